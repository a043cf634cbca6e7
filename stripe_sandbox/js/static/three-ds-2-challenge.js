// The 3-D Secure dialog: frames the sandbox's challenge page (iframe#challengeFrame, as Stripe's
// does) and watches the intent until the buyer has answered it; "Cancel" gives up.

import {ParentLink, callApi, frameParam, h, intentFromSecret, t, trapFocus} from './frame-common.js';

const POLL_INTERVAL_MS = 400;

const link = new ParentLink();
const challengeUrl = frameParam('url');
const clientSecret = frameParam('secret');
const publishableKey = frameParam('key');
const intent = intentFromSecret(clientSecret);
let finished = false;
let pollTimer = null;

function finish(type, payload) {
  if (finished) return;
  finished = true;
  clearTimeout(pollTimer);
  link.emit(type, {...payload, failureMessage: t('error.authentication_failure')});
}

async function retrieveIntent() {
  const response = await callApi(publishableKey, 'GET', intent.path, {
    client_secret: clientSecret, expand: ['payment_method'],
  });
  return response.ok ? response.body : null;
}

async function checkIntent() {
  if (finished) return;
  clearTimeout(pollTimer);
  const current = await retrieveIntent();
  if (current && current.status !== 'requires_action') {
    finish('complete', {intent: current});
    return;
  }
  pollTimer = setTimeout(checkIntent, POLL_INTERVAL_MS);
}

/** The challenge page as this dialog shows it: answered, it ends on the sandbox's page rather
 * than redirecting the frame to the merchant's return URL. */
function dialogChallengeUrl() {
  const url = new URL(challengeUrl);
  url.searchParams.set('dialog', '1');
  return url.toString();
}

function mountChallenge() {
  const frame = h('iframe', {
    id: 'challengeFrame', name: 'stripe-challenge-frame', class: 'p-ChallengeFrame',
    title: t('threeds.frame_title'), src: dialogChallengeUrl(), allow: 'payment',
  });
  let loads = 0;
  frame.addEventListener('load', () => {
    loads += 1;
    if (loads > 1) checkIntent();
  });
  document.getElementById('challenge-container').append(frame);
}

/** Cancelling fails the authentication, as with Stripe: the sandbox's challenge page takes the
 * same answer as its "Fail" button. */
async function cancel() {
  if (finished) return;
  clearTimeout(pollTimer);
  const answer = new URLSearchParams({action: 'fail'});
  await fetch(challengeUrl, {method: 'POST', body: answer, redirect: 'manual'}).catch(() => null);
  finish('cancel', {intent: await retrieveIntent()});
}

document.getElementById('challenge-cancel-button').addEventListener('click', cancel);
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') cancel();
});

mountChallenge();
trapFocus(document.getElementById('root'));
document.getElementById('challenge-title').focus();
pollTimer = setTimeout(checkIntent, POLL_INTERVAL_MS);
link.emit('loaded');
