// Recomputes a receipt's RFC 9162 inclusion proof in the browser (progressive enhancement:
// the page already shows the server's check). Leaf hash = SHA-256(0x00 || RFC 8785 JSON of the
// leaf); node hash = SHA-256(0x01 || left || right); the root is rebuilt from the audit path
// (RFC 9162 §2.1.3.2) and compared with the root on the page. The receipt code typed in the
// form must hash (SHA-256, hex) to the leaf's "receipt".
(function () {
  "use strict";
  var section = document.getElementById("inclusion-proof");
  var data = document.getElementById("inclusion-proof-data");
  var out = document.getElementById("browser-check");
  var code = document.getElementById("receipt");
  if (!section || !data || !out || !window.crypto || !window.crypto.subtle) {
    return;
  }
  var proof = JSON.parse(data.textContent);

  // RFC 8785 for the leaves' values (objects, arrays, strings, integers, booleans, null):
  // keys sorted by UTF-16 code units, strings and numbers as ECMAScript serialises them.
  function canonical(value) {
    if (value === null || typeof value !== "object") {
      return JSON.stringify(value);
    }
    if (Array.isArray(value)) {
      return "[" + value.map(canonical).join(",") + "]";
    }
    return "{" + Object.keys(value).sort().map(function (key) {
      return JSON.stringify(key) + ":" + canonical(value[key]);
    }).join(",") + "}";
  }

  function join(prefix, parts) {
    var size = 1;
    parts.forEach(function (part) { size += part.length; });
    var bytes = new Uint8Array(size);
    bytes[0] = prefix;
    var at = 1;
    parts.forEach(function (part) { bytes.set(part, at); at += part.length; });
    return bytes;
  }

  function sha256(bytes) {
    return window.crypto.subtle.digest("SHA-256", bytes).then(function (hash) {
      return new Uint8Array(hash);
    });
  }

  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function unhex(text) {
    var bytes = new Uint8Array(text.length / 2);
    for (var i = 0; i < bytes.length; i++) {
      bytes[i] = parseInt(text.substr(2 * i, 2), 16);
    }
    return bytes;
  }

  async function rootFromPath(leafHash, index, size, path) {
    if (index < 0 || index >= size) {
      return null;
    }
    var fn = index, sn = size - 1, r = leafHash;
    for (var i = 0; i < path.length; i++) {
      var p = unhex(path[i]);
      if (sn === 0) {
        return null;
      }
      if (fn % 2 === 1 || fn === sn) {
        r = await sha256(join(1, [p, r]));
        while (fn !== 0 && fn % 2 === 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      } else {
        r = await sha256(join(1, [r, p]));
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }

  function say(ok, reason) {
    out.hidden = false;
    out.className = ok ? "notice" : "error";
    out.textContent = ok ? section.dataset.ok : section.dataset.failed + " " + reason;
    out.setAttribute("data-checked", ok ? "ok" : "failed");
  }

  (async function () {
    var encoder = new TextEncoder();
    var receiptHash = hex(await sha256(encoder.encode(code ? code.value.trim() : "")));
    if (receiptHash !== proof.leaf.receipt) {
      say(false, section.dataset.leafFailed);
      return;
    }
    var leafHash = await sha256(join(0, [encoder.encode(canonical(proof.leaf))]));
    var root = await rootFromPath(leafHash, proof.leaf_index, proof.tree_size, proof.audit_path);
    var expected = proof.signed_head ? proof.signed_head.root : proof.root;
    if (root === null || hex(root) !== expected || hex(leafHash) !== proof.leaf_hash) {
      say(false, section.dataset.rootFailed);
      return;
    }
    say(true, "");
  })();
})();
