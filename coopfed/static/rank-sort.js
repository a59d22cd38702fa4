// Ranked ballots: drag-to-reorder as progressive enhancement. Without JavaScript the form has
// one "rank" select per option. With it, the selects are hidden and a sortable list stands in:
// options are dragged (pointer: mouse, pen or touch) or moved with buttons (keyboard), and every
// change is written back into the selects, which the form submits as before. Changes are
// announced in an aria-live region. Texts come translated from the fieldset's data attributes.
(function () {
  "use strict";

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : all;
    });
  }

  function enhance(fieldset) {
    var text = fieldset.dataset;
    var limit = parseInt(text.limit, 10) || 0;
    var options = [];
    fieldset.querySelectorAll("select[name^='rank_']").forEach(function (select, position) {
      var label = fieldset.querySelector("label[for='" + select.id + "']");
      options.push({
        key: select.name.slice(5),
        label: label ? label.textContent.trim() : select.name.slice(5),
        select: select,
        position: position,
        rank: parseInt(select.value, 10) || 0
      });
    });
    if (!options.length) {
      return;
    }

    var help = document.createElement("p");
    help.textContent = text.help;
    help.id = "rank-sort-help";
    var live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    live.setAttribute("role", "status");
    live.dataset.rankAnnouncer = "";

    function list(className, label) {
      var heading = document.createElement("p");
      heading.className = "rank-list-title";
      heading.textContent = label;
      heading.id = "rank-" + className + "-title";
      var element = document.createElement(className === "ranked" ? "ol" : "ul");
      element.className = "rank-list rank-" + className;
      element.setAttribute("aria-labelledby", heading.id);
      element.setAttribute("aria-describedby", help.id);
      element.dataset.list = className;
      return { heading: heading, element: element };
    }
    var ranked = list("ranked", text.rankedLabel);
    var unranked = list("unranked", text.unrankedLabel);
    var empty = document.createElement("li");
    empty.className = "rank-empty";
    empty.textContent = text.empty;

    function button(label, action, symbol) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "rank-button";
      b.dataset.action = action;
      b.setAttribute("aria-label", label);
      b.title = label;
      b.textContent = symbol;
      return b;
    }

    function item(option) {
      var li = document.createElement("li");
      li.className = "rank-item";
      li.dataset.key = option.key;
      var handle = document.createElement("span");
      handle.className = "rank-handle";
      handle.setAttribute("aria-hidden", "true");
      handle.textContent = "⠿";
      handle.title = fill(text.drag, { option: option.label });
      var name = document.createElement("span");
      name.className = "rank-label";
      name.textContent = option.label;
      li.appendChild(handle);
      li.appendChild(name);
      li.appendChild(button(fill(text.up, { option: option.label }), "up", "↑"));
      li.appendChild(button(fill(text.down, { option: option.label }), "down", "↓"));
      li.appendChild(button(fill(text.add, { option: option.label }), "add", "+"));
      li.appendChild(button(fill(text.remove, { option: option.label }), "remove", "×"));
      option.item = li;
      return li;
    }

    function byKey(key) {
      for (var i = 0; i < options.length; i++) {
        if (options[i].key === key) {
          return options[i];
        }
      }
      return null;
    }

    function rankedItems() {
      return Array.prototype.slice.call(ranked.element.querySelectorAll(".rank-item"));
    }

    // The selects are the form's truth: rewrite them from the lists after every change.
    function sync() {
      var items = rankedItems();
      options.forEach(function (option) {
        var at = items.indexOf(option.item);
        option.select.value = at < 0 ? "" : String(at + 1);
      });
      if (items.length) {
        if (empty.parentNode) {
          empty.parentNode.removeChild(empty);
        }
      } else {
        ranked.element.appendChild(empty);
      }
      items.forEach(function (li, index) {
        li.querySelector("[data-action='up']").disabled = index === 0;
        li.querySelector("[data-action='down']").disabled = index === items.length - 1;
        li.querySelector("[data-action='add']").hidden = true;
        li.querySelector("[data-action='remove']").hidden = false;
        li.querySelector("[data-action='up']").hidden = false;
        li.querySelector("[data-action='down']").hidden = false;
        li.setAttribute("aria-posinset", String(index + 1));
        li.setAttribute("aria-setsize", String(items.length));
      });
      unranked.element.querySelectorAll(".rank-item").forEach(function (li) {
        li.querySelector("[data-action='add']").hidden = false;
        li.querySelector("[data-action='add']").disabled = limit > 0 && items.length >= limit;
        li.querySelector("[data-action='remove']").hidden = true;
        li.querySelector("[data-action='up']").hidden = true;
        li.querySelector("[data-action='down']").hidden = true;
        li.removeAttribute("aria-posinset");
        li.removeAttribute("aria-setsize");
      });
    }

    function announce(option) {
      var items = rankedItems();
      var at = items.indexOf(option.item);
      live.textContent = at < 0
        ? fill(text.unranked, { option: option.label })
        : fill(text.moved, { option: option.label, rank: at + 1, count: items.length });
    }

    function placeUnranked(option) {
      var later = null;
      unranked.element.querySelectorAll(".rank-item").forEach(function (li) {
        if (!later && byKey(li.dataset.key).position > option.position) {
          later = li;
        }
      });
      unranked.element.insertBefore(option.item, later);
    }

    function full() {
      return limit > 0 && rankedItems().length >= limit;
    }

    // Initial lists from the selects (a re-shown form keeps the member's ranks).
    options.slice().sort(function (a, b) {
      return a.rank - b.rank || a.position - b.position;
    }).forEach(function (option) {
      var li = item(option);
      if (option.rank > 0 && !(limit > 0 && rankedItems().length >= limit)) {
        ranked.element.appendChild(li);
      } else {
        unranked.element.appendChild(li);
      }
    });
    options.forEach(function (option) {
      if (option.item.parentNode === unranked.element) {
        placeUnranked(option);
      }
    });

    // Buttons (keyboard and pointer alike).
    fieldset.addEventListener("click", function (event) {
      var target = event.target.closest ? event.target.closest("button[data-action]") : null;
      if (!target || !fieldset.contains(target)) {
        return;
      }
      var option = byKey(target.closest(".rank-item").dataset.key);
      var li = option.item;
      var action = target.dataset.action;
      var focus = action;
      if (action === "up" && li.previousElementSibling) {
        ranked.element.insertBefore(li, li.previousElementSibling);
      } else if (action === "down" && li.nextElementSibling) {
        ranked.element.insertBefore(li.nextElementSibling, li);
      } else if (action === "add") {
        if (full()) {
          live.textContent = text.full;
          return;
        }
        ranked.element.appendChild(li);
        focus = "remove";
      } else if (action === "remove") {
        placeUnranked(option);
        focus = "add";
      }
      sync();
      announce(option);
      var next = li.querySelector("[data-action='" + focus + "']");
      if (next && (next.disabled || next.hidden)) {
        next = li.querySelector("button:not([hidden]):not([disabled])");
      }
      if (next) {
        next.focus();
      }
    });

    // Pointer dragging: the item follows the pointer between and across the two lists.
    var dragging = null;

    function listAt(x, y) {
      var lists = [ranked.element, unranked.element];
      for (var i = 0; i < lists.length; i++) {
        var box = lists[i].getBoundingClientRect();
        if (x >= box.left && x <= box.right && y >= box.top - 8 && y <= box.bottom + 8) {
          return lists[i];
        }
      }
      return null;
    }

    function moveTo(x, y) {
      var target = listAt(x, y);
      var li = dragging.option.item;
      if (!target) {
        return;
      }
      if (target === unranked.element) {
        if (li.parentNode !== unranked.element) {
          placeUnranked(dragging.option);
        }
        return;
      }
      if (li.parentNode !== ranked.element && full()) {
        live.textContent = text.full;
        return;
      }
      var before = null;
      rankedItems().forEach(function (other) {
        if (before || other === li) {
          return;
        }
        var box = other.getBoundingClientRect();
        if (y < box.top + box.height / 2) {
          before = other;
        }
      });
      ranked.element.insertBefore(li, before);
    }

    fieldset.addEventListener("pointerdown", function (event) {
      var li = event.target.closest ? event.target.closest(".rank-item") : null;
      if (!li || event.button !== 0 || event.target.closest("button")) {
        return;
      }
      event.preventDefault();
      dragging = { option: byKey(li.dataset.key), pointer: event.pointerId };
      li.classList.add("rank-dragging");
      if (li.setPointerCapture) {
        li.setPointerCapture(event.pointerId);
      }
    });
    fieldset.addEventListener("pointermove", function (event) {
      if (dragging && event.pointerId === dragging.pointer) {
        moveTo(event.clientX, event.clientY);
      }
    });
    function drop(event) {
      if (!dragging || event.pointerId !== dragging.pointer) {
        return;
      }
      if (event.type === "pointerup") {
        moveTo(event.clientX, event.clientY);
      }
      var option = dragging.option;
      option.item.classList.remove("rank-dragging");
      dragging = null;
      sync();
      announce(option);
    }
    fieldset.addEventListener("pointerup", drop);
    fieldset.addEventListener("pointercancel", drop);

    // Hide the selects (still submitted) and show the lists.
    fieldset.querySelectorAll("select[name^='rank_'], label[for^='rank-']").forEach(function (el) {
      el.hidden = true;
    });
    fieldset.classList.add("rank-sort");
    fieldset.appendChild(help);
    fieldset.appendChild(ranked.heading);
    fieldset.appendChild(ranked.element);
    fieldset.appendChild(unranked.heading);
    fieldset.appendChild(unranked.element);
    fieldset.appendChild(live);
    sync();
  }

  document.querySelectorAll("fieldset[data-rank-sort]").forEach(enhance);
})();
