# The seed's verify_webhook, verbatim, run over every delivery the test captured.
import base64
import hashlib
import hmac
import json
import sys


def verify_webhook(body_bytes, signature, secret):
    expected = hmac.new(
        secret.encode('utf-8'),
        body_bytes,
        hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, signature)


ok = 0
for line in sys.stdin:
    d = json.loads(line)
    if verify_webhook(base64.b64decode(d['body']), d['signature'], d['secret']):
        ok += 1
    else:
        print('bad signature', d['signature'])
print(ok)
