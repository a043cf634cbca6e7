// Stripe's Payment Element as the pay step and the setup step both mount it: from the data
// attributes of their form (publishable key, client secret, locale, accent, method order,
// business name, and the name and email the buyer already gave). The page's own script
// (checkout.js or setup.js) confirms with Stripe.
(function () {
  "use strict";

  window.Kassa = window.Kassa || {};

  window.Kassa.mountPaymentElement = function (form) {
    const data = form.dataset;
    const stripe = window.Stripe(data.publishableKey, { locale: data.locale });
    const elements = stripe.elements({
      clientSecret: data.clientSecret,
      locale: data.locale,
      appearance: { variables: { colorPrimary: data.accent } },
    });
    // The name and email Kassa already has go with the method, and the element does not ask
    // for them again (bank debits would).
    const buyer = {};
    if (data.buyerName) {
      buyer.name = data.buyerName;
    }
    if (data.buyerEmail) {
      buyer.email = data.buyerEmail;
    }
    // Stripe orders the methods for each buyer unless told otherwise: the server's order puts
    // first the method the summary is priced for.
    const paymentElement = elements.create("payment", {
      paymentMethodOrder: (data.methodOrder || "").split(",").filter(Boolean),
      business: { name: data.businessName },
      defaultValues: { billingDetails: buyer },
      fields: {
        billingDetails: {
          name: buyer.name ? "never" : "auto",
          email: buyer.email ? "never" : "auto",
        },
      },
      wallets: { link: "never", applePay: "never", googlePay: "never" },
    });
    paymentElement.mount("#payment-element");
    return { stripe: stripe, elements: elements, paymentElement: paymentElement, buyer: buyer };
  };
})();
