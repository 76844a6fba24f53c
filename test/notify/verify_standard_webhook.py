# The README's Python receiver check, run over deliveries the test captured.
# Each input line: {"headers": {...}, "body": base64, "secret": "whsec_...", "now": unix seconds}.
# Prints one line per input: "new", "duplicate" or "refused: <why>".
import base64
import hashlib
import hmac
import json
import sys
import time

TOLERANCE = 5 * 60  # seconds


def verify_till_webhook(headers, body, secret, now=None):
    """headers: the request's headers, names lower-cased; body: the raw bytes.
    Returns the delivery id; raises ValueError if the request is not from Till or stale."""
    msg_id = headers.get('webhook-id', '')
    ts = headers.get('webhook-timestamp', '')
    now = time.time() if now is None else now
    if not msg_id or not ts.isdigit() or abs(now - int(ts)) > TOLERANCE:
        raise ValueError('missing, stale or future timestamp')
    # The seed's signature: hex HMAC-SHA256 of the raw body, keyed by the whole secret string.
    seed = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(seed, headers.get('x-btpay-signature', '')):
        raise ValueError('bad X-BTPay-Signature')
    # Standard Webhooks: base64 HMAC-SHA256 of "<id>.<timestamp>.<body>",
    # keyed by the base64-decoded secret after "whsec_".
    key = base64.b64decode(secret.removeprefix('whsec_'))
    signed = msg_id.encode() + b'.' + ts.encode() + b'.' + body
    expected = 'v1,' + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    if not any(hmac.compare_digest(expected, s) for s in headers.get('webhook-signature', '').split(' ')):
        raise ValueError('bad webhook-signature')
    return msg_id


seen_ids = set()  # in production: a table or cache that keeps ids for a few days

for line in sys.stdin:
    d = json.loads(line)
    try:
        msg_id = verify_till_webhook(d['headers'], base64.b64decode(d['body']), d['secret'], d['now'])
    except ValueError as e:
        print('refused:', e)
        continue
    if msg_id in seen_ids:
        print('duplicate')
        continue
    seen_ids.add(msg_id)
    print('new')
