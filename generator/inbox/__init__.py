"""`portal inbox`: what the client does in the portal comes back into the content.

The portal's prefilled e-mails (approvals, survey answers, questions) reach the agency's
mailbox: the account manager in To, the portal's own address (`inbox: {address: …}` in
portal.yaml) in Cc. `portal inbox` reads that mailbox over IMAP, saved messages (.eml, mbox)
or a form service's export (Formspree, Basin, Netlify), and records each item it trusts
through the content writer (generator.writeback):

- an approval: an entry in the document's `approvals`, only when its fingerprint is that of
  a committed version of the document;
- a survey answer: an entry in `<client>/satisfaction.yaml`;
- a question: a thread file `<client>/questions/<topic>.yaml`, and a reply in a thread (the
  account manager answering, the client writing back) appended to it.

Trust comes first (see docs/security.md): an e-mail counts only from a contact of the client
it names, authenticated by a DKIM signature of the sender's domain (dkimpy) or by the topmost
Authentication-Results header of a mail server portal.yaml names as trusted. A form service
cannot authenticate anyone: from a form export, questions and survey answers are taken from a
contact's address, approvals only once the agency confirms them (`--accept ID`). Everything
else is rejected with its reason and writes nothing; message text never becomes HTML, a
YAML key, a file name or a path.

Modules: `records` (what arrived and what became of it), `mailparse` (reading an e-mail
safely), `trust` (DKIM, Authentication-Results), `wording` (the portal's reference line, the
client's own words, the survey's answers), `forms` (form-service exports), `versions` (a
document's committed fingerprints), `intake` (the rules: who may say what), `sources` (saved
files), `imap` (the mailbox), `receipts` (the approval receipt e-mail), `run` (the command).
"""
