"""A stand-in SMS gateway for tests (JINGWU_SMS_COMMAND="python tests/sms_sink.py LOG {phone}"): appends
the phone number to LOG, one line per message handed over, so a test can count the sends."""

import sys

log, phone = sys.argv[1], sys.argv[2]
sys.stdin.read()
with open(log, "a", encoding="utf-8") as out:  # one short O_APPEND write per send
    out.write(phone + "\n")
