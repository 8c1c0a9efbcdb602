"""The citizen portal (市民门户): report a problem, track it with a one-time code, rate it, see the public map.

Decisions worth knowing (details in the modules):
- Reports go through `tickets.services.ticket_create` with channel "web"; anonymous reports have no actor, a
  signed-in citizen is the actor (staff report as anyone does). A hidden random key per form makes a double
  submit return the first ticket (`services.report_submit`).
- Photos: JPEG/PNG of at most 5 MB, recognised by their first bytes (`photos.py`), stored as a
  `handling.models.Attachment` of the new ticket where that app provides it (`services._attach_photo`).
- Tracking: a six-digit code, kept only as an HMAC keyed with SECRET_KEY, valid 10 minutes, 5 wrong attempts,
  3 codes per ticket per hour (`services.otp_*`). The pages answer the same whether or not the contact is the
  ticket's, so that nobody learns who reported what. E-mail goes through Django's `send_mail`, SMS through the
  adapter named by the setting CITYLOOP_SMS_SENDER (`sms.py`), both after commit.
- Signing in without a ticket (`sign_in`, for residents taking part in participation): the same codes with the
  purpose "sign_in" and no ticket, 3 per contact per hour; the code is always sent, so the answer does not tell
  whether the contact is known. After it the person returns to the page named by `next` (this site only).
- The right code signs the person in as the citizen account of that contact (username "c:" + sha256, no
  password) and links, in one UPDATE, every ticket with that contact and no account yet. One contact, one
  account, whichever way the person came in.
- A citizen sees only their own tickets, through `tickets.selectors.ticket_get` (other numbers: 404). The public
  timeline shows which events and which notes it does in `selectors.py` (only the reply of "answer"/"complete").
- The public map counts tickets per grid, first-level category and open/closed over 90 days, at the grid's
  centroid; tickets located only to a coarser area than a grid are not on it.
"""
