#!/usr/bin/env bash
# Re-extract the translatable messages into coopfed/locale/messages.pot and merge them into each
# language's catalogue, coopfed/locale/<lang>/LC_MESSAGES/messages.po, keeping every existing
# translation.
#
#   scripts/update-translations.sh            extract, then update (or create) fr
#   scripts/update-translations.sh fr de      ... for several languages
#   scripts/update-translations.sh --check    change nothing; exit 1 if a catalogue is out of date
#                                             or has untranslated/fuzzy messages (for CI)
#
# It ends by listing every message that still lacks a translation (or is fuzzy), with where it
# comes from.
#
# New messages arrive with an EMPTY msgstr: no translation is ever guessed ("fuzzy matching" is
# off), so nothing half-right reaches users unnoticed. Translate the empty ones, then run
#   pytest tests/unit/coopfed/test_i18n.py
# which fails, naming them, while any message lacks a French translation.
#
# Where messages come from: babel.cfg (Python files in coopfed/, governance/, federation/; Jinja2
# templates in coopfed/templates/), keywords _ N_ gettext ngettext. Set PYBABEL to choose the
# pybabel executable.
set -euo pipefail

cd "$(dirname "$0")/.."

check=0
langs=()
for arg in "$@"; do
    case "$arg" in
        --check) check=1 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        -*) echo "unknown option: $arg" >&2; exit 2 ;;
        *) langs+=("$arg") ;;
    esac
done
[[ ${#langs[@]} -gt 0 ]] || langs=(fr)

# pybabel: $PYBABEL, else the active virtualenv's, else a venv in or beside the checkout, else PATH.
if [[ -z "${PYBABEL:-}" ]]; then
    for candidate in "${VIRTUAL_ENV:-/nonexistent}/bin/pybabel" .venv/bin/pybabel venv/bin/pybabel \
        ../venv/bin/pybabel "$(command -v pybabel || true)"; do
        if [[ -n "$candidate" && -x "$candidate" ]]; then PYBABEL="$candidate"; break; fi
    done
fi
if [[ -z "${PYBABEL:-}" ]]; then
    echo "pybabel not found: install Babel (pip install -e '.[test]') or set PYBABEL" >&2
    exit 2
fi
# A Python that has Babel, for the report at the end: the one beside pybabel, else python3.
PYTHON=""
for candidate in "$(dirname "$(command -v "$PYBABEL")")/python" python3; do
    if "$candidate" -c "import babel" >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
done

LOCALE_DIR=coopfed/locale
POT="$LOCALE_DIR/messages.pot"
WIDTH=100
tmp_pot="$(mktemp "${TMPDIR:-/tmp}/coopfed-messages.XXXXXX.pot")"
trap 'rm -f "$tmp_pot"' EXIT

# 1. Extract.
"$PYBABEL" --quiet extract \
    --mapping-file=babel.cfg \
    --no-default-keywords \
    --keyword=_ --keyword=N_ --keyword=gettext --keyword=ngettext:1,2 \
    --project=coopfed \
    --copyright-holder="coopfed contributors" \
    --sort-by-file \
    --width="$WIDTH" \
    --output-file="$tmp_pot" \
    .

# Keep the committed template when only its creation date would change (no noise in diffs).
same_pot() {
    [[ -f "$POT" ]] && diff -q \
        <(grep -v '^"POT-Creation-Date:' "$POT") \
        <(grep -v '^"POT-Creation-Date:' "$tmp_pot") >/dev/null
}
status=0
if same_pot; then
    :
elif [[ $check -eq 1 ]]; then
    echo "$POT is out of date: run scripts/update-translations.sh" >&2
    status=1
else
    cp "$tmp_pot" "$POT"
    echo "updated $POT"
fi

# 2. Merge into each language's catalogue (create it the first time).
for lang in "${langs[@]}"; do
    po="$LOCALE_DIR/$lang/LC_MESSAGES/messages.po"
    if [[ ! -f "$po" ]]; then
        if [[ $check -eq 1 ]]; then
            echo "$po does not exist" >&2
            status=1
            continue
        fi
        "$PYBABEL" init --input-file="$tmp_pot" --output-dir="$LOCALE_DIR" --locale="$lang" \
            --width="$WIDTH"
        continue
    fi
    if "$PYBABEL" --quiet update --check --input-file="$tmp_pot" --output-file="$po" \
        --locale="$lang" --no-fuzzy-matching --ignore-pot-creation-date --width="$WIDTH" \
        >/dev/null 2>&1; then
        continue  # already up to date
    fi
    if [[ $check -eq 1 ]]; then
        echo "$po is out of date: run scripts/update-translations.sh" >&2
        status=1
        continue
    fi
    "$PYBABEL" update --input-file="$tmp_pot" --output-file="$po" --locale="$lang" \
        --no-fuzzy-matching --ignore-pot-creation-date --width="$WIDTH"
done

# 3. Report what still needs a translator (never silently: list every one).
if [[ -z "$PYTHON" ]]; then
    echo "no Python with Babel found: cannot list untranslated messages" >&2
    exit $status
fi
for lang in "${langs[@]}"; do
    po="$LOCALE_DIR/$lang/LC_MESSAGES/messages.po"
    [[ -f "$po" ]] || continue
    if ! "$PYTHON" - "$po" "$lang" <<'PY'
import sys
from babel.messages.pofile import read_po

path, lang = sys.argv[1], sys.argv[2]
with open(path, "rb") as handle:
    catalog = read_po(handle, locale=lang)
todo = []
for message in catalog:
    if not message.id:
        continue
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    if message.fuzzy:
        todo.append(("fuzzy", message))
    elif not all(strings):
        todo.append(("untranslated", message))
total = sum(1 for m in catalog if m.id)
print(f"{path}: {total - len(todo)}/{total} messages translated")
for why, message in todo:
    where = ", ".join(f"{f}:{n}" for f, n in message.locations)
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    print(f"  {why}: {msgid!r}  ({where})")
if todo:
    print(f"  -> translate these {len(todo)} message(s) in {path}")
sys.exit(1 if todo else 0)
PY
    then
        # Untranslated messages are expected right after new strings arrive; they fail CI only.
        [[ $check -eq 0 ]] || status=1
    fi
done
exit $status
