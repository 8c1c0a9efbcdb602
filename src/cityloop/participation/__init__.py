"""Public participation (全过程人民民主): consultations on drafts, surveys, and deputies' joint reception.

Decisions worth knowing (details in the modules):
- Phases draft → open → analysis → published move forward only (`consultation_advance`, then
  `report_publish`). Web comments are taken only while the phase is "open" and inside its dates; opinions
  entered by staff (paper forms, contact points), imported e-mails and hotline suggestions are also taken in
  the analysis phase and marked late when received after the close — the report lists them with that status.
- Residents are verified by the portal's one-time code, with a ticket (tracking) or without one (the sign-in
  page `portal:sign_in`, which the "sign in" notes link to with `next=` the page): the account it signs in
  ("c:" + hash of the contact) is a verified resident (`access.is_verified_resident`). Commenting,
  supporting, answering a survey and booking online need it; staff accounts are never residents.
- Resident lists: a community's staff (community workers of it, administrators) import a CSV/XLSX of its
  residents (`residents.py` reads and checks it; `services.resident_list_import` replaces the list with the
  good rows and keeps the refused ones, with reasons, as the import's report; an unreadable file or one
  without a good row changes nothing). Contacts are shown masked. Each row holds the usernames of the citizen
  accounts of its phone and e-mail, so whoever signs in with them is a listed resident, before or after the
  import. A survey may be limited to the listed residents of an area (`Survey.residents_of`), once per listed
  person (`SurveyResponse.resident_key`), even one who has a phone account and an e-mail account.
- Staff rights: the consultation's responsible office (members of that unit or a unit above it) and
  administrators run a consultation; the station's organising unit runs its receptions (`access.runs_unit`).
- Grouping: char 1-2-gram TF-IDF without stop words, average-linkage clustering at cosine distance 0.90
  (`grouping.py`; `benchmarks/participation/bench_grouping.py` prints purity and recall). Stance: keyword
  rules, negations first, with a manual override. A group's decision applies to members without their own.
- The feedback report lists every opinion exactly once, in the order received, with its status (grouped,
  hidden, late) and decision; publishing records hidden opinions as not adopted with the moderation reason and
  refuses while any other opinion has no decision.
- Moderation: staff hide with a reason (append-only `ModerationEvent` history); 3 reports from distinct
  people hide automatically; at most 5 web comments per person per hour; at most 2000 characters.
- Reception: schedules at least 3 days ahead; slot capacity checked under a lock on the slot row. An issue
  becomes a ticket through `ticket_create` (channel "reception"); when the recording staff member may
  dispatch and chose a unit, `ticket_transition("dispatch")` sends it there at once, otherwise it waits,
  received, in the dispatch queue. The deputy's follow-up list reads the ticket's status live;
  `reception_issues_follow_tickets` (a periodic task) copies the reply and e-mails the citizen.
"""
