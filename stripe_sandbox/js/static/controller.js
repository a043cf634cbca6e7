// The hidden controller frame: calls the sandbox's API for Stripe.js methods that have no
// element of their own (retrieving intents, next actions, confirming without an element).

import {ParentLink, callApi} from './frame-common.js';

const link = new ParentLink();

link.handle('api', async ({publishableKey, method, path, params}) => {
  if (!/^\/v1\/(payment_intents|setup_intents)\/[\w-]+(\/confirm)?$/.test(path)) {
    return {ok: false, status: 400, body: {error: {type: 'invalid_request_error', message: `Not available from Stripe.js: ${path}`}}};
  }
  if (!['GET', 'POST'].includes(method)) {
    return {ok: false, status: 405, body: {error: {type: 'invalid_request_error', message: 'Method not allowed.'}}};
  }
  return callApi(publishableKey, method, path, params);
});

link.emit('loaded');
