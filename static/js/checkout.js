// The pay step: mount Stripe's Payment Element, tell the server which method the buyer picked
// (so the summary and the PaymentIntent carry that method's fee), then confirm with Stripe.
// Everything it needs comes from data attributes on #payment-form; no inline script.
(function () {
  "use strict";

  // The pay step is never shown from the browser's page cache: after paying, Back would show a
  // form with an active Pay button. The server sends it with `no-store`; a browser that kept it
  // anyway asks again, and a paid checkout's pay step sends the buyer to the receipt.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      window.location.reload();
    }
  });

  const form = document.getElementById("payment-form");
  if (!form || typeof window.Stripe !== "function") {
    return;
  }
  const data = form.dataset;
  // The name and email the buyer gave on the details step go with the payment method when it
  // is confirmed (payment-element.js mounts the element).
  const { stripe, elements, paymentElement, buyer } = window.Kassa.mountPaymentElement(form);

  const button = form.querySelector("button[type=submit]");
  const errors = document.getElementById("payment-errors");
  const lastFailure = form.querySelector("[data-testid=last-failure]");
  const status = document.getElementById("payment-status");
  let chosenMethod = data.method || null;
  let methodShown = false;
  let methodSaved = Promise.resolve(true);

  function showError(message) {
    errors.textContent = message;
    errors.hidden = !message;
  }

  // An error belongs to the method it was about: choosing another method clears it (the
  // element clears its own field errors as Stripe's does).
  function forgetErrors() {
    showError("");
    if (lastFailure) {
      lastFailure.hidden = true;
    }
  }

  // While a payment is on its way nothing that prices it can change: the summary, the way back
  // to the details and the element are locked, and the buyer reads that it is being processed
  // until Stripe answers (a redirect to the outcome, or an error and the form back).
  function lockWhilePaying(locked) {
    for (const part of document.querySelectorAll("[data-locked-while-paying]")) {
      part.inert = locked;
      part.classList.toggle("is-locked", locked);
      part.setAttribute("aria-busy", String(locked));
    }
    paymentElement.update({ readOnly: locked });
    button.disabled = locked;
    status.textContent = locked ? data.processingMessage : "";
    status.classList.toggle("is-processing", locked);
  }

  // The Pay button names the summary's total, whatever changed it (the method's fee here, a
  // quantity or a discount code through HTMX).
  function followTotal() {
    const dueNow = document.querySelector("#summary [data-testid=due-now]");
    if (dueNow) {
      button.textContent = button.dataset.label.replace("{amount}", dueNow.textContent);
    }
  }
  document.body.addEventListener("htmx:afterSettle", followTotal);

  function replaceSummary(html) {
    const summary = document.getElementById("summary");
    if (!summary) {
      return;
    }
    const holder = document.createElement("div");
    holder.innerHTML = html;
    const fresh = holder.firstElementChild;
    if (fresh) {
      summary.replaceWith(fresh);
      if (window.htmx) {
        window.htmx.process(fresh);
      }
      followTotal();
    }
  }

  function reportMethod(method) {
    const body = new FormData();
    body.append("csrf_token", data.csrfToken);
    body.append("method", method);
    return fetch(data.methodUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": data.csrfToken },
    }).then(function (response) {
      return response.text().then(function (html) {
        replaceSummary(html);
        return response.ok;
      });
    });
  }

  function showing(method) {
    methodShown = true;
    if (!method || method === chosenMethod) {
      return;
    }
    chosenMethod = method;
    forgetErrors();
    // One report at a time, and only of the method still chosen when its turn comes: a buyer
    // switching tabs fast never sees an older answer arrive last and price another method.
    methodSaved = methodSaved
      .catch(function () {
        return false;
      })
      .then(function () {
        return method === chosenMethod ? reportMethod(method) : true;
      });
  }

  paymentElement.on("change", function (event) {
    showing(event.value && event.value.type);
  });

  // The method the element opened on: the one its first change names, else the first of the
  // order passed. When it is not the one priced, the summary, the fee and the Pay button follow
  // before the buyer types anything.
  paymentElement.on("ready", function () {
    if (!methodShown) {
      showing((data.methodOrder || "").split(",")[0] || null);
    }
  });

  // Stripe's words go to the buyer for card errors only: the element shows its own checks
  // (an incomplete field) beside the field itself, and anything else (a busy or refused
  // request, Stripe's own failure) gets Kassa's words.
  function showPaymentError(error) {
    if (error.type === "validation_error") {
      return;
    }
    showError((error.type === "card_error" && error.message) || data.retryMessage);
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (button.disabled) {
      return;
    }
    lockWhilePaying(true);
    showError("");
    // Right before paying, the server makes the intent current for the method in the element
    // and answers with the summary: Stripe then charges exactly the amount on the button, or,
    // when the total changed meanwhile (another tab, the seller, a method chosen a moment
    // before), the buyer sees it first.
    const shown = button.textContent;
    await methodSaved.catch(function () {
      return false;
    });
    const checkedMethod = chosenMethod;
    const ready = await reportMethod(checkedMethod || "").catch(function () {
      return false;
    });
    if (!ready) {
      lockWhilePaying(false);
      showError(data.retryMessage);
      return;
    }
    if (button.textContent !== shown || chosenMethod !== checkedMethod) {
      lockWhilePaying(false);
      showError(data.totalChangedMessage);
      return;
    }
    await elements.fetchUpdates();
    const result = await stripe.confirmPayment({
      elements: elements,
      confirmParams: {
        return_url: data.returnUrl,
        payment_method_data: { billing_details: buyer },
      },
    });
    if (result.error && result.error.code === "payment_intent_unexpected_state") {
      // Paid (or being paid) meanwhile, in another tab: the return page says where it stands.
      window.location.assign(data.returnUrl);
      return;
    }
    if (result.error) {
      lockWhilePaying(false);
      showPaymentError(result.error);
    }
  });
})();
