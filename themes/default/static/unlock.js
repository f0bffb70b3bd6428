// Opens a password-protected portal in the browser, with WebCrypto only.
// The password gives a key (PBKDF2-SHA256 over the portal's salt) that unwraps the content key
// from one of the key slots; the content key decrypts the page (AES-256-GCM, the page's path as
// additional data; then inflated: raw DEFLATE) and is kept in sessionStorage: for this tab only, gone when it is closed or
// on "Log out"; or, if the client asks to stay signed in on this device, in localStorage too,
// until "Log out" (docs/security.md). Attachments, feed and calendar are fetched encrypted and
// decrypted on use.
(function () {
  "use strict";
  var holder = document.getElementById("cp-vault");
  var form = document.getElementById("cp-unlock");
  if (!holder || !form) { return; }
  var text = holder.dataset;
  var vault = JSON.parse(text.vault);
  var message = document.getElementById("cp-message");
  var storageKey = "clientportal:" + vault.portal + ":key";
  var encoder = new TextEncoder();
  var subtle = window.crypto && window.crypto.subtle;
  var types = {
    svg: "image/svg+xml", png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg",
    gif: "image/gif", webp: "image/webp", pdf: "application/pdf", ics: "text/calendar",
    xml: "application/atom+xml", txt: "text/plain", csv: "text/csv"
  };

  function bytes(base64) {
    var binary = atob(base64.replace(/-/g, "+").replace(/_/g, "/"));
    var out = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) { out[i] = binary.charCodeAt(i); }
    return out;
  }

  function base64(buffer) {
    return btoa(String.fromCharCode.apply(null, new Uint8Array(buffer)));
  }

  var keep = document.getElementById("cp-keep");

  function remember(raw) {
    try {
      sessionStorage.setItem(storageKey, base64(raw));
      if (keep && keep.checked) { localStorage.setItem(storageKey, base64(raw)); }
    } catch (e) { /* private mode */ }
  }

  function forget() {
    try {
      sessionStorage.removeItem(storageKey);
      localStorage.removeItem(storageKey);
    } catch (e) { /* nothing stored */ }
  }

  function recalled() {
    try {
      return sessionStorage.getItem(storageKey) || localStorage.getItem(storageKey);
    } catch (e) { return null; }
  }

  function aesKey(raw) {
    return subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["decrypt"]);
  }

  function decrypt(sealed, key, aad) {
    return subtle.decrypt({ name: "AES-GCM", iv: sealed.slice(0, 12),
                            additionalData: encoder.encode(aad) }, key, sealed.slice(12));
  }

  // Try every key slot; the one this key wraps yields the content key, others fail their tag.
  function unwrap(wrappingKey) {
    var aad = "clientportal-slot-v1";  // the same in every format
    return vault.slots.reduce(function (found, slot) {
      return found.then(function (raw) {
        return raw || decrypt(bytes(slot), wrappingKey, aad).catch(function () { return null; });
      });
    }, Promise.resolve(null));
  }

  function fromPassword(password) {
    return subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"])
      .then(function (material) {
        return subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: bytes(vault.salt),
                                   iterations: vault.iterations }, material, 256);
      })
      .then(aesKey).then(unwrap);
  }

  function fromFragment(fragment) {
    history.replaceState(null, "", location.pathname + location.search);
    return aesKey(bytes(fragment)).then(unwrap);
  }

  // A page's payload is raw DEFLATE (format 2): the browser's own decompressor opens it.
  function inflate(deflated) {
    var stream = new Blob([deflated]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
    return new Response(stream).text();
  }

  function show(raw) {
    return aesKey(raw).then(function (key) {
      return decrypt(bytes(vault.data), key, vault.path).then(inflate).then(function (text) {
        remember(raw);
        render(JSON.parse(text), key);
      });
    });
  }

  function withoutHash(href) {
    var url = new URL(href, location.href);
    url.hash = "";
    return url.href;
  }

  function render(payload, key) {
    var page = new DOMParser().parseFromString(payload.html, "text/html");
    var byUrl = {};
    Object.keys(payload.files).forEach(function (path) {
      byUrl[withoutHash(vault.root + path)] = path;
    });
    page.querySelectorAll("img[src]").forEach(function (img) {
      var path = byUrl[withoutHash(img.getAttribute("src"))];
      if (path) { img.removeAttribute("src"); img.dataset.cpFile = path; }
    });
    page.querySelectorAll("a[href]").forEach(function (link) {
      var path = byUrl[withoutHash(link.getAttribute("href"))];
      if (path) { link.dataset.cpFile = path; }
    });
    var scripts = Array.prototype.slice.call(page.body.querySelectorAll("script[src]"));
    scripts.forEach(function (script) { script.remove(); });
    document.title = page.title;
    document.documentElement.lang = page.documentElement.lang || document.documentElement.lang;
    document.body.className = page.body.className;
    var nodes = Array.prototype.slice.call(page.body.childNodes);  // a copy: adopting moves
    document.body.replaceChildren.apply(document.body, nodes.map(function (node) {
      return document.adoptNode(node);
    }));
    scripts.forEach(function (script) {
      var fresh = document.createElement("script");
      fresh.src = script.getAttribute("src");
      document.body.appendChild(fresh);
    });
    addLogout();
    wireFiles(payload.files, key);
  }

  function addLogout() {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button logout";
    button.id = "cp-logout";
    button.textContent = text.logout;
    button.addEventListener("click", function () { forget(); location.reload(); });
    (document.querySelector(".site-header__inner") || document.body).appendChild(button);
  }

  function fetchFile(files, path, key) {
    return fetch(vault.root + files[path])
      .then(function (response) {
        if (!response.ok) { throw new Error(response.statusText); }
        return response.arrayBuffer();
      })
      .then(function (buffer) { return decrypt(new Uint8Array(buffer), key, path); })
      .then(function (plain) {
        var extension = path.split(".").pop().toLowerCase();
        return new Blob([plain], { type: types[extension] || "application/octet-stream" });
      });
  }

  function wireFiles(files, key) {
    var fromDisk = location.protocol === "file:";  // browsers refuse fetch() from file://
    document.querySelectorAll("img[data-cp-file]").forEach(function (img) {
      if (fromDisk) { return; }  // the alt text stays
      fetchFile(files, img.dataset.cpFile, key).then(function (blob) {
        img.src = URL.createObjectURL(blob);
      }, function () { /* the alt text stays */ });
    });
    document.querySelectorAll("a[data-cp-file]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        if (fromDisk) { window.alert(text.downloadFailed); return; }
        fetchFile(files, link.dataset.cpFile, key).then(function (blob) {
          var save = document.createElement("a");
          save.href = URL.createObjectURL(blob);
          save.download = link.dataset.cpFile.split("/").pop();
          document.body.appendChild(save);
          save.click();
          save.remove();
        }, function () { window.alert(text.downloadFailed); });
      });
    });
  }

  function askPassword() {
    var input = document.getElementById("cp-password");
    var button = form.querySelector("button[type=submit]");
    var reveal = document.getElementById("cp-show");
    form.hidden = false;
    input.focus();
    if (reveal) {
      reveal.addEventListener("click", function () {
        var shown = input.type === "password";
        input.type = shown ? "text" : "password";
        reveal.textContent = shown ? text.hide : text.show;
        input.focus();
      });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      message.textContent = text.opening;
      button.disabled = true;
      function refuse() {
        message.textContent = text.wrong;
        button.disabled = false;
        input.select();
      }
      fromPassword(input.value)
        .then(function (raw) { return raw ? show(raw) : refuse(); })
        .catch(refuse);
    });
  }

  if (!subtle) {
    form.hidden = false;
    message.textContent = text.failed;
    return;
  }
  var fragment = /^#key=([A-Za-z0-9_-]+)$/.exec(location.hash);
  var stored = recalled();
  var start = fragment ? fromFragment(fragment[1]) : Promise.resolve(stored && bytes(stored));
  start.then(function (raw) { return raw ? show(raw) : Promise.reject(new Error("locked")); })
    .catch(function () { forget(); askPassword(); });
}());
