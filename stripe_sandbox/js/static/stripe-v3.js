// Stripe.js v3 stand-in, served by the Stripe sandbox at <sandbox>/js/v3/.
//
// Defines window.Stripe with the subset of Stripe.js that Kassa uses, with Stripe's signatures.
// Payment details are typed into iframes served by the sandbox (same frame titles, names, ids
// and labels as Stripe's), which call the sandbox's REST API themselves; this script, running
// in the merchant page, only talks to those frames with postMessage.
(() => {
  'use strict';

  if (window.Stripe && window.Stripe.version === 3) return;

  const PROTOCOL = 'kassa-stripe-sandbox';
  const SCRIPT_URL = findOwnUrl();
  const SANDBOX_ORIGIN = SCRIPT_URL.origin;
  const FRAMES_BASE = `${SCRIPT_URL.origin}${SCRIPT_URL.pathname.replace(/\/js\/v3(\/.*)?$/, '')}/js/v3/`;
  const NEVER = new Promise(() => {});

  let frameNumber = 1000 + Math.floor(Math.random() * 8000);
  const nextFrameNumber = () => {
    frameNumber += 1;
    return frameNumber;
  };

  function findOwnUrl() {
    const source = document.currentScript?.src
      || [...document.querySelectorAll('script[src]')].map((script) => script.src)
        .find((src) => /\/js\/v3\/?(\?|#|$)/.test(src));
    return new URL(source || '/js/v3/', window.location.href);
  }

  class IntegrationError extends Error {
    constructor(message) {
      super(message);
      this.name = 'IntegrationError';
    }
  }

  // -------------------------------------------------------------------------------------------
  // Frames and messages

  const openChannels = new Set();

  window.addEventListener('message', (event) => {
    if (event.origin !== SANDBOX_ORIGIN) return;
    const message = event.data;
    if (!message || message.protocol !== PROTOCOL) return;
    for (const channel of openChannels) {
      if (channel.frameId === message.frame && channel.iframe.contentWindow === event.source) {
        channel.receive(message);
        return;
      }
    }
  });

  // Like Stripe.js, the frames and wrappers it adds to the merchant page carry their styles in
  // a `style` attribute, so that page's CSP must allow inline style attributes (Stripe's CSP
  // guidance: `style-src-attr 'unsafe-inline'`, or `style-src 'unsafe-inline'`).
  function setStyles(element, styles) {
    const declarations = Object.entries(styles).map(([property, value]) => `${property}: ${value} !important;`);
    const current = element.getAttribute('style');
    element.setAttribute('style', [current, ...declarations].filter(Boolean).join(' '));
  }

  /** One iframe served by the sandbox and the request/event protocol spoken with it. */
  class FrameChannel {
    constructor(page, {query = {}, fragment = {}, name = `__privateStripeFrame${nextFrameNumber()}`, onEvent}) {
      this.frameId = `frame${nextFrameNumber()}`;
      this.onEvent = onEvent || (() => {});
      this.pending = new Map();
      this.requestCounter = 0;
      this.isLoaded = false;
      this.whenLoaded = new Promise((resolve) => {
        this.markLoaded = resolve;
      });
      const url = new URL(`${page}.html`, FRAMES_BASE);
      for (const [key, value] of Object.entries(query)) if (value) url.searchParams.set(key, value);
      const hash = new URLSearchParams({origin: window.location.origin, frame: this.frameId});
      for (const [key, value] of Object.entries(fragment)) if (value) hash.set(key, value);
      url.hash = hash.toString();
      this.iframe = document.createElement('iframe');
      this.iframe.name = name;
      this.iframe.setAttribute('frameborder', '0');
      this.iframe.setAttribute('allowtransparency', 'true');
      this.iframe.setAttribute('scrolling', 'no');
      this.iframe.setAttribute('allow', 'payment *');
      this.iframe.src = url.href;
      openChannels.add(this);
    }

    receive(message) {
      if (message.type === 'loaded') {
        this.isLoaded = true;
        this.markLoaded();
        this.onEvent('loaded', {});
      } else if (message.type === 'response') {
        const resolve = this.pending.get(message.requestId);
        this.pending.delete(message.requestId);
        resolve?.(message.payload || {});
      } else {
        this.onEvent(message.type, message.payload || {});
      }
    }

    async request(type, payload = {}) {
      await this.whenLoaded;
      this.requestCounter += 1;
      const requestId = `${this.frameId}-${this.requestCounter}`;
      return new Promise((resolve) => {
        this.pending.set(requestId, resolve);
        this.post(type, payload, requestId);
      });
    }

    async send(type, payload = {}) {
      await this.whenLoaded;
      this.post(type, payload);
    }

    post(type, payload, requestId) {
      this.iframe.contentWindow?.postMessage(
        {protocol: PROTOCOL, frame: this.frameId, type, payload: JSON.parse(JSON.stringify(payload)), requestId},
        SANDBOX_ORIGIN,
      );
    }

    destroy() {
      openChannels.delete(this);
      this.iframe.remove();
      for (const resolve of this.pending.values()) {
        resolve({error: {type: 'invalid_request_error', message: 'The Element was removed before it answered.'}});
      }
      this.pending.clear();
    }
  }

  /** A full-window frame over the page (bank linking, 3-D Secure), with focus given back after. */
  function openOverlay(channel, title) {
    const previousFocus = document.activeElement;
    const previousOverflow = document.documentElement.style.getPropertyValue('overflow');
    channel.iframe.title = title;
    setStyles(channel.iframe, {
      position: 'fixed', inset: '0', width: '100%', height: '100%', border: 'none', margin: '0',
      padding: '0', 'z-index': '2147483647', background: 'transparent', display: 'block',
      'color-scheme': 'normal',
    });
    document.documentElement.style.setProperty('overflow', 'hidden');
    document.body.append(channel.iframe);
    channel.iframe.focus();
    return () => {
      channel.destroy();
      if (previousOverflow) document.documentElement.style.setProperty('overflow', previousOverflow);
      else document.documentElement.style.removeProperty('overflow');
      if (previousFocus && typeof previousFocus.focus === 'function') previousFocus.focus();
    };
  }

  function whenBodyReady(callback) {
    if (document.body) callback();
    else document.addEventListener('DOMContentLoaded', callback, {once: true});
  }

  // -------------------------------------------------------------------------------------------
  // Events

  class EventEmitter {
    constructor() {
      this.listeners = new Map();
    }

    on(event, handler) {
      if (typeof handler !== 'function') throw new IntegrationError('The handler must be a function.');
      if (!this.listeners.has(event)) this.listeners.set(event, []);
      this.listeners.get(event).push({handler, once: false});
      return this;
    }

    once(event, handler) {
      this.on(event, handler);
      this.listeners.get(event).at(-1).once = true;
      return this;
    }

    off(event, handler) {
      if (!handler) this.listeners.delete(event);
      else this.listeners.set(event, (this.listeners.get(event) || []).filter((entry) => entry.handler !== handler));
      return this;
    }

    emit(event, payload) {
      const entries = this.listeners.get(event) || [];
      this.listeners.set(event, entries.filter((entry) => !entry.once));
      for (const {handler} of entries) {
        try {
          handler(payload);
        } catch (error) {
          setTimeout(() => { throw error; });
        }
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // The Payment Element

  const GROUP_OPTIONS = [
    'clientSecret', 'mode', 'amount', 'currency', 'paymentMethodTypes', 'setupFutureUsage',
    'captureMethod', 'onBehalfOf', 'paymentMethodCreation', 'appearance', 'locale',
  ];

  class PaymentElement extends EventEmitter {
    constructor(elements, options) {
      super();
      this.elements = elements;
      this.options = {...options};
      this.channel = null;
      this.container = null;
      this.ready = false;
    }

    mount(target) {
      const container = typeof target === 'string' ? document.querySelector(target) : target;
      if (!(container instanceof HTMLElement)) {
        throw new IntegrationError(
          `The selector you specified (${target}) applies to no DOM elements that are currently on the page.`);
      }
      if (this.channel) {
        throw new IntegrationError('This Element is already mounted. Use `unmount()` to unmount the Element before re-mounting.');
      }
      this.container = container;
      this.channel = new FrameChannel('elements-inner-payment', {
        query: {locale: this.elements.localeOption()},
        onEvent: (type, payload) => this.onFrameEvent(type, payload),
      });
      const iframe = this.channel.iframe;
      iframe.title = 'Secure payment input frame';
      setStyles(iframe, {
        border: 'none', margin: '0', padding: '0', width: '1px', 'min-width': '100%', overflow: 'hidden',
        display: 'block', 'user-select': 'none', height: '1px', 'color-scheme': 'normal',
      });
      const wrapper = document.createElement('div');
      wrapper.className = '__PrivateStripeElement';
      setStyles(wrapper, {margin: '0', padding: '0', border: 'none', display: 'block', background: 'transparent', position: 'relative', opacity: '1'});
      wrapper.append(iframe);
      container.classList.add('StripeElement', 'StripeElement--empty');
      container.append(wrapper);
    }

    unmount() {
      if (!this.channel) return;
      const wrapper = this.channel.iframe.parentElement;
      this.channel.destroy();
      wrapper?.remove();
      this.container?.classList.remove(
        'StripeElement', 'StripeElement--empty', 'StripeElement--complete', 'StripeElement--focus', 'StripeElement--invalid');
      this.channel = null;
      this.container = null;
      this.ready = false;
    }

    destroy() {
      this.unmount();
      this.elements.forget(this);
      this.listeners.clear();
    }

    update(options = {}) {
      Object.assign(this.options, options);
      this.channel?.send('update', options);
    }

    focus() {
      if (!this.channel) return;
      this.channel.iframe.focus();
      this.channel.send('focus');
    }

    blur() {
      this.channel?.send('blur');
    }

    clear() {
      this.channel?.send('clear');
    }

    collapse() {
      return this;
    }

    isMounted() {
      return Boolean(this.channel);
    }

    request(type, payload) {
      if (!this.channel) {
        return Promise.resolve({error: {type: 'invalid_request_error', message: 'The Payment Element is not mounted.'}});
      }
      return this.channel.request(type, payload);
    }

    sendGroupUpdate(changes) {
      this.channel?.send('update-group', changes);
    }

    onFrameEvent(type, payload) {
      switch (type) {
        case 'loaded':
          this.channel.request('init', {
            publishableKey: this.elements.stripe.publishableKey,
            group: this.elements.groupOptions(),
            element: this.options,
          });
          break;
        case 'ready':
          this.ready = true;
          this.emit('ready', {elementType: 'payment'});
          break;
        case 'resize':
          this.channel.iframe.style.setProperty('height', `${Math.max(1, Number(payload.height) || 1)}px`, 'important');
          break;
        case 'change':
          this.container?.classList.toggle('StripeElement--empty', Boolean(payload.empty));
          this.container?.classList.toggle('StripeElement--complete', Boolean(payload.complete));
          this.emit('change', payload);
          break;
        case 'focus':
        case 'blur':
          this.container?.classList.toggle('StripeElement--focus', type === 'focus');
          this.emit(type, {elementType: 'payment'});
          break;
        case 'escape':
          this.emit('escape', {elementType: 'payment'});
          break;
        case 'loaderror':
          this.emit('loaderror', {elementType: 'payment', error: payload.error});
          break;
        case 'open-bank-linking':
          this.elements.stripe.openBankLinking(payload.channel, this);
          break;
        default:
          break;
      }
    }
  }

  class Elements {
    constructor(stripe, options) {
      if (options.clientSecret && options.mode) {
        throw new IntegrationError('stripe.elements(): pass either `clientSecret` or `mode`, not both.');
      }
      if (options.mode && !['payment', 'setup', 'subscription'].includes(options.mode)) {
        throw new IntegrationError(`Invalid value for elements(): mode should be one of payment, setup, subscription. You specified: ${options.mode}.`);
      }
      if (options.mode && options.mode !== 'setup' && !Number.isInteger(options.amount)) {
        throw new IntegrationError('stripe.elements(): `amount` must be an integer when `mode` is payment or subscription.');
      }
      this.stripe = stripe;
      this.options = {...options};
      this.created = new Map();
    }

    create(type, options = {}) {
      if (type !== 'payment') {
        throw new IntegrationError(`The Stripe sandbox emulates the "payment" Element only, not "${type}".`);
      }
      if (this.created.has(type)) throw new IntegrationError('Can only create one Element of type payment.');
      const element = new PaymentElement(this, options);
      this.created.set(type, element);
      return element;
    }

    getElement(type) {
      return this.created.get(type) || null;
    }

    forget(element) {
      for (const [type, created] of this.created) if (created === element) this.created.delete(type);
    }

    update(options = {}) {
      Object.assign(this.options, options);
      const changes = Object.fromEntries(Object.entries(options).filter(([key]) => GROUP_OPTIONS.includes(key)));
      for (const element of this.created.values()) element.sendGroupUpdate(changes);
    }

    async fetchUpdates() {
      return {};
    }

    async submit() {
      const element = this.getElement('payment');
      if (!element || !element.isMounted()) {
        return {error: {type: 'validation_error', code: 'no_element', message: 'Mount a Payment Element before calling elements.submit().'}};
      }
      return element.request('submit');
    }

    localeOption() {
      return this.options.locale || this.stripe.options.locale || 'auto';
    }

    groupOptions() {
      const group = Object.fromEntries(GROUP_OPTIONS.filter((key) => key in this.options).map((key) => [key, this.options[key]]));
      group.locale = this.localeOption();
      return group;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Intents

  const INTENT_KINDS = {
    payment: {prefix: 'pi_', collection: 'payment_intents', field: 'paymentIntent', param: 'payment_intent', lastError: 'last_payment_error'},
    setup: {prefix: 'seti_', collection: 'setup_intents', field: 'setupIntent', param: 'setup_intent', lastError: 'last_setup_error'},
  };

  function intentPath(kind, clientSecret) {
    return `/v1/${INTENT_KINDS[kind].collection}/${clientSecret.split('_secret_')[0]}`;
  }

  function checkClientSecret(kind, clientSecret, method) {
    const {prefix} = INTENT_KINDS[kind];
    if (typeof clientSecret !== 'string' || !clientSecret.startsWith(prefix) || !clientSecret.includes('_secret_')) {
      throw new IntegrationError(
        `Invalid value for ${method}: clientSecret should be a client secret of the form \${id}_secret_\${secret}. You specified: ${clientSecret}.`);
    }
  }

  function intentError(kind, intent) {
    const {lastError, param} = INTENT_KINDS[kind];
    if (intent.status === 'requires_payment_method' && intent[lastError]) {
      return {...intent[lastError], [param]: intent};
    }
    return null;
  }

  function redirectStatus(status) {
    if (status === 'succeeded' || status === 'requires_capture') return 'succeeded';
    if (status === 'processing') return 'processing';
    if (status === 'requires_payment_method' || status === 'canceled') return 'failed';
    return status;
  }

  function returnUrlFor(kind, returnUrl, intent, clientSecret) {
    const {param} = INTENT_KINDS[kind];
    const url = new URL(returnUrl, window.location.href);
    url.searchParams.set(param, intent.id);
    url.searchParams.set(`${param}_client_secret`, clientSecret);
    url.searchParams.set('redirect_status', redirectStatus(intent.status));
    return url.href;
  }

  /** The intent as Stripe reports it when the buyer gave up on authenticating. */
  function unauthenticated(kind, intent, clientSecret) {
    const {lastError, param} = INTENT_KINDS[kind];
    return {
      ...(intent || {id: clientSecret.split('_secret_')[0]}),
      status: 'requires_payment_method',
      [lastError]: {type: 'invalid_request_error', code: `${param}_authentication_failure`},
    };
  }

  /** Stripe.js words a failed authentication for the buyer, in the buyer's language. */
  function withAuthenticationMessage(kind, intent, message) {
    const {lastError, param} = INTENT_KINDS[kind];
    const error = intent[lastError];
    if (!error || error.code !== `${param}_authentication_failure` || !message) return intent;
    return {...intent, [lastError]: {...error, message}};
  }

  function challengeUrl(intent) {
    const next = intent.next_action || {};
    return next.redirect_to_url?.url || next.use_stripe_sdk?.stripe_js || next.use_stripe_sdk?.url || null;
  }

  function isCardIntent(intent, methodType) {
    if (methodType) return methodType === 'card';
    const method = intent.payment_method;
    if (method && typeof method === 'object') return method.type === 'card';
    return (intent.payment_method_types || []).length === 1 && intent.payment_method_types[0] === 'card';
  }

  // -------------------------------------------------------------------------------------------
  // Stripe

  class StripeClient {
    constructor(publishableKey, options = {}) {
      if (typeof publishableKey !== 'string' || !publishableKey) {
        throw new IntegrationError('Please call Stripe() with your publishable key. You used an empty string.');
      }
      if (/^(sk|rk)_/.test(publishableKey)) {
        throw new IntegrationError('You should not use your secret key with Stripe.js. Please pass a publishable key instead.');
      }
      this.publishableKey = publishableKey;
      this.options = {...options};
      this.controller = new FrameChannel('controller', {
        query: {locale: options.locale || 'auto'},
        name: `__privateStripeController${nextFrameNumber()}`,
      });
      const iframe = this.controller.iframe;
      iframe.setAttribute('role', 'presentation');
      iframe.setAttribute('aria-hidden', 'true');
      iframe.tabIndex = -1;
      setStyles(iframe, {
        border: 'none', margin: '0', padding: '0', width: '1px', 'min-width': '100%', overflow: 'hidden',
        display: 'block', visibility: 'hidden', position: 'fixed', height: '1px', 'pointer-events': 'none',
        'user-select': 'none',
      });
      whenBodyReady(() => document.body.append(iframe));
    }

    elements(options = {}) {
      return new Elements(this, options);
    }

    async api(method, path, params) {
      return this.controller.request('api', {publishableKey: this.publishableKey, method, path, params});
    }

    async retrieveIntent(kind, clientSecret, method) {
      checkClientSecret(kind, clientSecret, method);
      const response = await this.api('GET', intentPath(kind, clientSecret), {client_secret: clientSecret});
      if (!response.ok) return {error: response.body.error};
      return {[INTENT_KINDS[kind].field]: response.body};
    }

    retrievePaymentIntent(clientSecret) {
      return this.retrieveIntent('payment', clientSecret, 'stripe.retrievePaymentIntent');
    }

    retrieveSetupIntent(clientSecret) {
      return this.retrieveIntent('setup', clientSecret, 'stripe.retrieveSetupIntent');
    }

    confirmPayment(options) {
      return this.confirmIntent('payment', 'stripe.confirmPayment', options);
    }

    confirmSetup(options) {
      return this.confirmIntent('setup', 'stripe.confirmSetup', options);
    }

    async confirmIntent(kind, method, {elements, clientSecret, confirmParams = {}, redirect = 'always'} = {}) {
      if (!elements && !clientSecret) {
        throw new IntegrationError(`${method}(): expected either \`elements\` or \`clientSecret\`, but got neither.`);
      }
      const secret = clientSecret || elements?.options.clientSecret;
      if (!secret) {
        throw new IntegrationError(`${method}(): the \`clientSecret\` argument is required when Elements was created with \`mode\`.`);
      }
      checkClientSecret(kind, secret, method);
      if (!['always', 'if_required'].includes(redirect)) {
        throw new IntegrationError(`${method}(): \`redirect\` must be 'always' or 'if_required'.`);
      }
      if (redirect === 'always' && !confirmParams.return_url) {
        throw new IntegrationError(
          `${method}(): the \`confirmParams.return_url\` argument is required unless passing \`redirect: 'if_required'\``);
      }
      const element = elements?.getElement('payment');
      if (elements && !(element && element.isMounted())) {
        throw new IntegrationError(
          `Invalid value for ${method}(): elements should have a mounted Payment Element.`);
      }
      const result = element
        ? await element.request('confirm', {kind, clientSecret: secret, confirmParams})
        : await this.confirmWithoutElement(kind, secret, confirmParams);
      if (result.integrationError) throw new IntegrationError(result.integrationError);
      if (result.error) return {error: result.error};
      return this.settle(kind, result.intent, secret, {
        returnUrl: confirmParams.return_url, redirect, methodType: result.methodType,
        locale: elements ? elements.localeOption() : this.options.locale,
      });
    }

    async confirmWithoutElement(kind, clientSecret, confirmParams) {
      const response = await this.api('POST', `${intentPath(kind, clientSecret)}/confirm`, {
        ...confirmParams, client_secret: clientSecret, expand: ['payment_method'],
      });
      return response.ok ? {intent: response.body} : {error: response.body.error};
    }

    /** Runs the next action (3-D Secure), then redirects or resolves as Stripe.js does. */
    async settle(kind, intent, clientSecret, {returnUrl, redirect, methodType, locale}) {
      let current = intent;
      if (current.status === 'requires_action') {
        const url = challengeUrl(current);
        if (url && isCardIntent(current, methodType)) {
          current = await this.runChallenge(kind, url, clientSecret, locale);
        } else if (current.next_action?.type === 'redirect_to_url' && url) {
          window.location.assign(url);
          return NEVER;
        }
      }
      const error = intentError(kind, current);
      if (error) return {error};
      if (redirect === 'always' && returnUrl) {
        window.location.assign(returnUrlFor(kind, returnUrl, current, clientSecret));
        return NEVER;
      }
      return {[INTENT_KINDS[kind].field]: current};
    }

    /** Shows the challenge over the page; resolves with the intent once it has been answered. */
    runChallenge(kind, url, clientSecret, locale) {
      return new Promise((resolve) => {
        const channel = new FrameChannel('three-ds-2-challenge', {
          query: {locale: locale || this.options.locale || 'auto'},
          fragment: {url, secret: clientSecret, key: this.publishableKey},
          onEvent: (type, payload) => {
            if (type !== 'complete' && type !== 'cancel') return;
            close();
            const answered = payload.intent && payload.intent.status !== 'requires_action';
            const intent = answered ? payload.intent : unauthenticated(kind, payload.intent, clientSecret);
            resolve(withAuthenticationMessage(kind, intent, payload.failureMessage));
          },
        });
        const close = openOverlay(channel, '3D Secure authentication');
      });
    }

    async handleNextAction({clientSecret} = {}) {
      const kind = String(clientSecret).startsWith('seti_') ? 'setup' : 'payment';
      checkClientSecret(kind, clientSecret, 'stripe.handleNextAction');
      const response = await this.api('GET', intentPath(kind, clientSecret), {
        client_secret: clientSecret, expand: ['payment_method'],
      });
      if (!response.ok) return {error: response.body.error};
      return this.settle(kind, response.body, clientSecret, {redirect: 'if_required'});
    }

    openBankLinking(channelName, element) {
      const channel = new FrameChannel('linked-accounts-inner', {
        query: {locale: element.elements.localeOption()},
        fragment: {channel: channelName},
        onEvent: (type) => {
          if (type !== 'close') return;
          close();
          element.channel?.iframe.focus();
          element.channel?.send('bank-linking-closed');
        },
      });
      const close = openOverlay(channel, 'Secure bank account linking frame');
    }
  }

  function Stripe(publishableKey, options) {
    return new StripeClient(publishableKey, options);
  }
  Stripe.version = 3;

  window.Stripe = Stripe;
})();
