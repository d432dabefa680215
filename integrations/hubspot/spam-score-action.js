// HubSpot workflow "Custom code" action: asks spamcheck whether a phone number is flagged as spam.
//
// Secrets (Settings > Secrets, then select them in the action):
//   SPAMCHECK_URL    the gateway's base URL, e.g. https://spamcheck.example.com
//   SPAMCHECK_TOKEN  a token with the lookup role
// Input fields:   phone_number (E.164, e.g. +12025550123), campaign_id (optional),
//                 max_stale (optional: the oldest stale answer to accept, e.g. PT36H; PT0S for none)
// Output fields:  spam_score (number: 0 clean, 1 flagged; empty when the number is invalid or
//                 unknown), checked_at (string), stale (boolean: true when Twilio could not be
//                 asked now and this is the number's last score, checked_at days old at most),
//                 error (string: the problem's code, or empty)
//
// A 429 or 5xx answer throws, so HubSpot retries the action later instead of recording a wrong
// answer; an invalid or unknown number is an answer (error set), since retrying cannot fix it.
exports.main = async (event, callback) => {
  const url = process.env.SPAMCHECK_URL;
  const token = process.env.SPAMCHECK_TOKEN;
  if (!url || !token) {
    throw new Error('Select the SPAMCHECK_URL and SPAMCHECK_TOKEN secrets for this action');
  }
  const body = { phone_number: String(event.inputFields.phone_number || '').trim() };
  if (event.inputFields.campaign_id) {
    body.campaign_id = String(event.inputFields.campaign_id);
  }
  if (event.inputFields.max_stale) {
    body.max_stale = String(event.inputFields.max_stale);
  }
  const response = await fetch(`${url.replace(/\/+$/, '')}/api/v1/spam_score`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    // HubSpot stops a custom code action after 20 s; spamcheck answers within its own 5 s.
    signal: AbortSignal.timeout(15000),
  });
  const answer = await response.json().catch(() => ({}));
  if (response.status === 429 || response.status >= 500) {
    const retryAfter = response.headers.get('retry-after');
    const error = new Error(`spamcheck answered ${response.status} (${answer.code || 'no code'})`
      + (retryAfter ? `; retry after ${retryAfter} s` : ''));
    // Shaped like an HTTP client's error, whose status HubSpot reads to decide on a retry.
    error.response = { status: response.status, headers: { 'retry-after': retryAfter } };
    throw error;
  }
  if (!response.ok) {
    callback({ outputFields: { spam_score: null, checked_at: '', stale: false,
      error: answer.code || `http_${response.status}` } });
    return;
  }
  callback({ outputFields: { spam_score: answer.spam_score, checked_at: answer.checked_at,
    stale: answer.stale === true, error: '' } });
};
