"""A password-protected client beside BASE_SITE's public one, with hostile content in it."""

from __future__ import annotations

SECRET = "test-secret-0123456789-abcdefghijklmnop"
PASSWORDS = {"PORTAL_PASSWORD_VAULT__VERA_VAULT": "vera-correct-horse",
             "PORTAL_PASSWORD_VAULT__OTTO_OTHER": "otto-battery-staple"}
CANARY = "CANARY-VAULT-7f3a"

XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'

VAULT_SITE: dict[str, str | bytes | None] = {
    "content/vault/client.yaml": f"""
        name: "Vault {CANARY} <script>window.__pwned=1</script>"
        locale: en
        account_manager:
          name: Ann Manager
          email: ann@agency.test
          photo: files/photo.svg
        contacts:
          - {{name: Vera Vault, email: vera@vault.test}}
          - {{name: Otto Other, email: otto@vault.test}}
        access: {{mode: password, share_link: true}}
    """,
    "content/vault/files/photo.svg":
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><title>PHOTO</title></svg>',
    "content/vault/files/secret-plan.pdf": f"%PDF-1.4 {CANARY}-ATTACHMENT\n%%EOF\n",
    "content/vault/scope.md": f"""
        ---
        title: "Scope {CANARY}"
        ---
        ## Plan {CANARY}-SCOPE

        {XSS}

        Read [the plan](files/secret-plan.pdf) and [intake](requirements/intake.md).
    """,
    "content/vault/requirements/intake.md": f"""
        ---
        title: "Intake {CANARY}"
        owner: "<b onmouseover=window.__pwned=1>Bob</b>"
        ---
        Body {CANARY}-REQ. <svg onload="window.__pwned=1"></svg>
    """,
    "content/vault/deadlines.yaml": f"""
        milestones:
          - id: launch
            title: "Launch {CANARY}-MILESTONE"
            due: 2027-01-15
            description: "<iframe src=javascript:window.__pwned=1></iframe>"
    """,
    "content/vault/updates/2026-11-01-note.md": f"""
        ---
        title: "Note {CANARY}-UPDATE"
        date: 2026-11-01
        ---
        Hello {CANARY}-UPDATE-BODY.
    """,
}

# An invoice of the vault client, to show that its PDF and e-invoice are encrypted too.
VAULT_INVOICE: dict[str, str | bytes | None] = {
    "content/vault/invoices/2026-10.yaml": f"""
        number: "V-2026-10"
        issued: 2026-10-01
        due: 2026-10-31
        items:
          - {{description: "Advice {CANARY}-INVOICE", quantity: 3, unit_price: 150.00, tax_rate: 21}}
    """,
}

# A capability-link client beside BASE_SITE's public one.
LINK_SITE = {
    "content/zeta/client.yaml": """
        name: Zeta
        account_manager: {name: Ann Manager, email: ann@agency.test}
        contacts: [{name: Zed Zeta, email: zed@zeta.test}]
        access: {mode: link}
    """,
}
