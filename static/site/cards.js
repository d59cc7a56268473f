/* kvartirabar "My cards": the one page that needs JavaScript (CONTRACT 9).
   The card number, expiry and SMS code go from this browser straight to Payme's
   Subscribe API (cards.create, cards.get_verify_code, cards.verify, X-Auth: merchant id);
   our site receives only the verified token. */
(function () {
  "use strict";
  var root = document.getElementById("add-card");
  if (!root || !window.fetch) { return; }
  var url = root.getAttribute("data-subscribe-url");
  var merchant = root.getAttribute("data-merchant-id");
  var steps = document.getElementById("card-steps");
  var cardForm = document.getElementById("card-form");
  var codeForm = document.getElementById("code-form");
  var errorBox = document.getElementById("card-error");
  var token = null;
  var language = (document.documentElement.lang || "en").slice(0, 2);
  document.getElementById("card-no-js").hidden = true;
  steps.hidden = false;

  function showError(text) { errorBox.textContent = text; errorBox.hidden = false; }
  function clearError() { errorBox.textContent = ""; errorBox.hidden = true; }
  function messageOf(error) {
    var message = error && error.message;
    if (message && typeof message === "object") {
      message = message[language] || message.en || message.ru || message.uz;
    }
    return message || "";
  }
  function rpc(method, params) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Auth": merchant },
      body: JSON.stringify({ id: Date.now(), method: method, params: params })
    }).then(function (response) { return response.json(); }, function () {
      throw { unreachable: true };
    }).then(function (answer) {
      if (answer.error) { throw answer.error; }
      return answer.result;
    });
  }
  function fail(error) {
    if (error && error.unreachable) { showError(root.getAttribute("data-unreachable")); return; }
    showError(root.getAttribute("data-failed") + " " + (messageOf(error) || ""));
  }
  function csrf() {
    var input = steps.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  cardForm.addEventListener("submit", function (event) {
    event.preventDefault();
    clearError();
    var number = document.getElementById("card-number").value.replace(/\D/g, "");
    var expire = document.getElementById("card-expire").value.replace(/\D/g, "");
    rpc("cards.create", { card: { number: number, expire: expire }, save: true })
      .then(function (result) {
        token = result.card.token;
        return rpc("cards.get_verify_code", { token: token });
      })
      .then(function (result) {
        var sent = root.getAttribute("data-sent").replace("%(phone)s", result.phone || "");
        document.getElementById("code-sent").textContent = sent;
        cardForm.hidden = true;
        codeForm.hidden = false;
        document.getElementById("card-code").focus();
      }, fail);
  });

  codeForm.addEventListener("submit", function (event) {
    event.preventDefault();
    clearError();
    var code = document.getElementById("card-code").value.replace(/\s/g, "");
    rpc("cards.verify", { token: token, code: code })
      .then(function (result) {
        return fetch(root.getAttribute("data-save-url"), {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
          body: JSON.stringify({ token: result.card.token })
        });
      }, function (error) { fail(error); throw null; })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw { message: body.detail || body.token || "" }; }
          window.location.reload();
        });
      })
      .catch(function (error) { if (error) { fail(error); } });
  });
})();
