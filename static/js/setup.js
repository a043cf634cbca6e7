// The checkout's setup mode: mount Stripe's Payment Element on a SetupIntent and save the
// buyer's method with stripe.confirmSetup; nothing is charged. Everything it needs comes from
// data attributes on #setup-form (payment-element.js mounts the element); no inline script.
(function () {
  "use strict";

  const form = document.getElementById("setup-form");
  if (!form || typeof window.Stripe !== "function") {
    return;
  }
  const data = form.dataset;
  const { stripe, elements, buyer } = window.Kassa.mountPaymentElement(form);

  const button = form.querySelector("button[type=submit]");
  const errors = document.getElementById("setup-errors");

  function showError(message) {
    errors.textContent = message;
    errors.hidden = !message;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    showError("");
    const result = await stripe.confirmSetup({
      elements: elements,
      confirmParams: {
        return_url: data.returnUrl,
        payment_method_data: { billing_details: buyer },
      },
    });
    if (result.error && result.error.code === "setup_intent_unexpected_state") {
      // Saved meanwhile, in another tab: the return page says where it stands.
      window.location.assign(data.returnUrl);
      return;
    }
    if (result.error) {
      const forBuyer = ["card_error", "validation_error"].includes(result.error.type);
      showError((forBuyer && result.error.message) || data.retryMessage);
      button.disabled = false;
    }
  });
})();
