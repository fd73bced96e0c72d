"""t/fake/odoo_model.py - the Odoo data behind the fake Odoo of api.py:
partners, currencies, customer invoices (account.move, draft -> posted
with INV/YYYY/NNNNN names), their lines, amounts and residuals, and the
ORM methods the tools call (search_read, read, create, write,
action_post), the Send button (account.move.action_send_and_print and the
wizard it names: account.move.send on Odoo 17, account.move.send.wizard on
18 and 19; the mail it sends is a mail.mail record), with Odoo's own
exceptions for what Odoo refuses.

The state is a JSON file (STATE), read and written at each call, so a test
can read it with jq; removing it (fake_reset) brings back the seed below.
Two users: uid 2 (FAKE_ODOO_USER, the cloud's: drafts) and uid 6
(FAKE_ODOO_POST_USER, the local agent's: posts). When FAKE_ODOO_POST_USER
is set, uid 2 may not post, as a user without Accounting/Billing rights.
"""
import datetime
import json
import os
import re
import threading

E = os.environ.get


class OdooError(Exception):
    """An exception Odoo raises: name (odoo.exceptions.X) and message."""
    def __init__(self, name, message, status):
        super().__init__(message)
        self.name, self.message, self.status = name, message, status


def user_error(m):
    return OdooError("odoo.exceptions.UserError", m, 422)


def validation_error(m):
    return OdooError("odoo.exceptions.ValidationError", m, 422)


def access_error(m):
    return OdooError("odoo.exceptions.AccessError", m, 403)


def missing_error(m):
    return OdooError("odoo.exceptions.MissingError", m, 404)


def like(pattern, s):
    """SQL LIKE: % any run, _ one character, backslash escapes."""
    rx, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            i += 1
            rx += re.escape(pattern[i])
        elif c == "%":
            rx += ".*"
        elif c == "_":
            rx += "."
        else:
            rx += re.escape(c)
        i += 1
    return re.fullmatch(rx, s, re.S) is not None


def as_list(vals_list):
    """create's vals_list: one dict or a list of them."""
    return [vals_list] if isinstance(vals_list, dict) else vals_list


def no_method(name):
    return OdooError("builtins.AttributeError", "no " + name, 500)


def seed():
    return {
        "res.partner": {
            "7": {"name": "Acme Corp", "email": "billing@acme.example",
                  "property_payment_term_id": 3},
            "8": {"name": "Globex", "email": "ap@globex.example",
                  "property_payment_term_id": False},
            "9": {"name": "Initech", "email": "info@initech.example",
                  "property_payment_term_id": False},
            "10": {"name": "Initech", "email": "billing@initech.example",
                   "property_payment_term_id": False},
            "11": {"name": "Hooli", "email": "ap@hooli.example",
                   "property_payment_term_id": False},
            "12": {"name": "Hooli Europe", "email": "ap@hooli.example",
                   "property_payment_term_id": False},
        },
        "account.payment.term": {"3": {"name": "30 Days", "days": 30}},
        "res.currency": {"1": {"name": "USD"}, "2": {"name": "EUR"}},
        "account.move": {},
        "account.move.line": {},
        "account.payment.register": {},
        "account.payment": {},
        "account.move.send": {},
        "account.move.send.wizard": {},
        "mail.mail": {},
        "seq": {"account.move": 0, "account.move.line": 0,
                "account.payment.register": 0, "account.payment": 0,
                "account.move.send": 0, "account.move.send.wizard": 0,
                "mail.mail": 0},
        "names": {},
    }


class Model:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def load(self):
        try:
            with open(self.path) as f:
                return json.load(f)
        except FileNotFoundError:
            return seed()

    def save(self, st):
        with open(self.path + ".tmp", "w") as f:
            json.dump(st, f, indent=1)
        os.rename(self.path + ".tmp", self.path)

    def call(self, uid, model, method, ids, kw, version=17):
        """model.method on ids with named arguments kw, as uid, on Odoo of
        that major version: the result, or OdooError. The state changes
        only when it succeeds."""
        with self.lock:
            self.version = version
            return self.call_locked(uid, model, method, ids, kw)

    def call_locked(self, uid, model, method, ids, kw):
        st = self.load()
        fn = getattr(self, "m_" + method.replace(".", "_"), None)
        if model not in st or fn is None:
            raise OdooError("builtins.AttributeError",
                            "The method '%s' does not exist on the model "
                            "'%s'" % (method, model), 500)
        kw = dict(kw)
        self.ctx = kw.pop("context", None) or {}
        self.uid = uid
        res = fn(st, uid, model, ids, **kw)
        if method in ("create", "write", "action_post", "button_cancel",
                      "action_create_payments", "action_send_and_print"):
            self.save(st)
        return res

    # --- fields ----------------------------------------------------------
    def value(self, st, model, rid, rec, f):
        m2o = {"partner_id": "res.partner", "currency_id": "res.currency",
               "property_payment_term_id": "account.payment.term",
               "move_id": "account.move"}
        if f == "id":
            return int(rid)
        if f == "display_name":
            return rec.get("name")
        v = rec.get(f, False)
        if f in m2o and v:
            return [v, st[m2o[f]][str(v)]["name"]]
        if f == "invoice_line_ids":
            return sorted(int(i) for i, line in st["account.move.line"].items()
                          if line["move_id"] == int(rid))
        return v

    def record(self, st, model, i):
        """The record i of model, or Odoo's MissingError."""
        rec = st[model].get(str(i))
        if rec is None:
            raise missing_error("Record does not exist or has been deleted."
                                "\n(Record: %s(%s,), User: %s)" %
                                (model, i, self.uid))
        return rec

    def posted(self, st, ids, refusal):
        """The invoices ids, each posted, or Odoo's UserError refusal."""
        moves = [self.record(st, "account.move", i) for i in ids]
        if any(m["state"] != "posted" for m in moves):
            raise user_error(refusal)
        return moves

    def next_id(self, st, model):
        """The next number of model's sequence (its ids count from it)."""
        st["seq"][model] += 1
        return st["seq"][model]

    def may_post(self, uid, what):
        """Odoo's AccessError for a user without Accounting/Billing rights
        (uid 2, when FAKE_ODOO_POST_USER is set) doing what."""
        if E("FAKE_ODOO_POST_USER") and uid != 6:
            raise access_error("You are not allowed to " + what)

    def rows(self, st, model, ids, fields):
        out = []
        for i in ids:
            rec = self.record(st, model, i)
            fs = fields or ["id"] + list(rec)
            row = {"id": int(i)}
            for f in fs:
                row[f] = self.value(st, model, i, rec, f)
            out.append(row)
        return out

    def match(self, st, model, rid, rec, domain):
        for term in domain:
            if not isinstance(term, list) or len(term) != 3:
                raise validation_error("Invalid leaf %r" % (term,))
            f, op, want = term
            v = self.value(st, model, rid, rec, f)
            if isinstance(v, list) and len(v) == 2 and f.endswith("_id"):
                v = v[0]
            s = str(v).lower() if v is not False else ""
            if op == "=" and v != want:
                return False
            if op == "!=" and v == want:
                return False
            if op == "=ilike" and not like(str(want).lower(), s):
                return False
            if op == "ilike" and str(want).lower() not in s:
                return False
            if op == "in" and v not in want:
                return False
            if op == "not in" and v in want:
                return False
            if op in ("<", "<=", ">", ">=") and (v is False or not {
                    "<": v < want, "<=": v <= want, ">": v > want,
                    ">=": v >= want}[op]):
                return False
            if op not in ("=", "!=", "=ilike", "ilike", "in", "not in",
                          "<", "<=", ">", ">="):
                raise validation_error("Invalid operator %r" % op)
        return True

    # --- methods -----------------------------------------------------------
    def m_search_read(self, st, uid, model, ids, domain=None, fields=None,
                      limit=None, offset=0, order=None):
        found = [i for i, rec in st[model].items()
                 if self.match(st, model, i, rec, domain or [])]
        found.sort(key=int)
        if limit:
            found = found[offset:offset + limit]
        return self.rows(st, model, found, fields)

    def m_read(self, st, uid, model, ids, fields=None, load="_classic_read"):
        if not isinstance(ids, list):
            raise validation_error("ids must be a list")
        return self.rows(st, model, ids, fields)

    def m_search_count(self, st, uid, model, ids, domain=None, limit=None):
        return len(self.m_search_read(st, uid, model, ids, domain or []))

    def totals(self, st, mid):
        m = st["account.move"][str(mid)]
        tot = 0.0
        for line in st["account.move.line"].values():
            if line["move_id"] == mid:
                line["price_subtotal"] = round(line["quantity"] *
                                               line["price_unit"], 2)
                tot += line["price_subtotal"]
        paid = m["amount_total"] - m["amount_residual"] if "amount_total" in m else 0
        m["amount_total"] = round(tot, 2)
        m["amount_residual"] = round(tot - paid, 2)

    def m_create(self, st, uid, model, ids, vals_list=None):
        if model == "account.payment.register":
            return self.create_wizard(st, uid, vals_list)
        if model in ("account.move.send", "account.move.send.wizard"):
            return self.create_send(st, model, vals_list)
        if model != "account.move":
            raise access_error("You are not allowed to create '%s' records."
                               % model)
        vals_list = as_list(vals_list)
        if not isinstance(vals_list, list) or not vals_list:
            raise validation_error("create: vals_list must be a list")
        new = []
        for vals in vals_list:
            mtype = vals.get("move_type")
            if mtype not in ("out_invoice", "out_refund"):
                raise user_error("fake: only customer invoices and credit "
                                 "notes here")
            p = vals.get("partner_id")
            self.record(st, "res.partner", p)
            try:
                date = datetime.date.fromisoformat(vals["invoice_date"])
            except (KeyError, ValueError, TypeError):
                raise validation_error("invoice_date: not a date")
            term = st["res.partner"][str(p)]["property_payment_term_id"]
            if term:
                due = date + datetime.timedelta(
                    days=st["account.payment.term"][str(term)]["days"])
                due = due.isoformat()
            else:
                due = vals.get("invoice_date_due") or date.isoformat()
            mid = self.next_id(st, "account.move") + 40
            st["account.move"][str(mid)] = {
                "name": "/", "state": "draft", "move_type": mtype,
                "partner_id": p, "currency_id": vals.get("currency_id", 1),
                "invoice_date": date.isoformat(), "invoice_date_due": due,
                "payment_state": "not_paid", "is_move_sent": False,
                "invoice_origin": vals.get("invoice_origin", False),
                "create_uid": uid}
            for cmd in vals.get("invoice_line_ids", []):
                if not (isinstance(cmd, list) and len(cmd) == 3 and
                        cmd[0] == 0 and isinstance(cmd[2], dict)):
                    raise validation_error("invoice_line_ids: want "
                                           "[0, 0, {values}] commands")
                lv = cmd[2]
                if not isinstance(lv.get("name"), str) or \
                        not isinstance(lv.get("price_unit"), (int, float)):
                    raise validation_error("a line needs name and price_unit")
                lid = self.next_id(st, "account.move.line") + 100
                st["account.move.line"][str(lid)] = {
                    "move_id": mid, "name": lv["name"],
                    "quantity": lv.get("quantity", 1.0),
                    "price_unit": lv["price_unit"], "price_subtotal": 0.0}
            self.totals(st, mid)
            new.append(mid)
        return new

    def m_write(self, st, uid, model, ids, vals=None):
        for i in ids:
            rec = self.record(st, model, i)
            mid = rec["move_id"] if model == "account.move.line" else int(i)
            if model in ("account.move", "account.move.line") and \
                    st["account.move"][str(mid)]["state"] != "draft":
                raise user_error("You cannot modify a posted entry of this "
                                 "journal.")
            rec.update(vals or {})
            if model == "account.move.line":
                self.totals(st, mid)
        return True

    def m_action_post(self, st, uid, model, ids):
        if model != "account.move":
            raise no_method("action_post")
        self.may_post(uid, "modify 'Journal Entry' (account.move) records."
                      "\n\nThis operation is allowed for the following "
                      "groups:\n\t- Accounting/Billing\n\nContact your "
                      "administrator to request access if necessary.")
        for i in ids:
            m = self.record(st, "account.move", i)
            if m["state"] == "posted":
                raise user_error("The entry %s (id %s) is already posted." %
                                 (m["name"], i))
            if not any(line["move_id"] == int(i)
                       for line in st["account.move.line"].values()):
                raise user_error("You need to add a line before posting.")
        for i in ids:
            m = st["account.move"][str(i)]
            # credit notes have their own sequence, RINV/2026/00001
            prefix = "RINV" if m["move_type"] == "out_refund" else "INV"
            year = m["invoice_date"][:4]
            key = year if prefix == "INV" else prefix + year
            n = st["names"].get(key, 0) + 1
            st["names"][key] = n
            m["name"] = "%s/%s/%05d" % (prefix, year, n)
            m["state"] = "posted"
            m["posted_by"] = uid
        return False

    def m_button_cancel(self, st, uid, model, ids):
        """Odoo 17's account.move.button_cancel: a posted move is reset to
        draft first (button_draft), then every move is cancelled."""
        if model != "account.move":
            raise no_method("button_cancel")
        for i in ids:
            m = self.record(st, "account.move", i)
            if m["state"] == "posted":
                m["state"] = "draft"
            if m["state"] != "draft":
                raise user_error("Only draft journal entries can be "
                                 "cancelled.")
        for i in ids:
            st["account.move"][str(i)]["state"] = "cancel"
        return True

    def create_wizard(self, st, uid, vals_list):
        c = self.ctx
        if c.get("active_model") != "account.move" or \
                not isinstance(c.get("active_ids"), list) or \
                not c["active_ids"]:
            raise user_error("The register payment wizard should only be "
                             "called on account.move or account.move.line "
                             "records.")
        new = []
        for vals in as_list(vals_list) or [{}]:
            for m in self.posted(st, c["active_ids"], "You can only register "
                                 "payment for posted journal entries."):
                if m["payment_state"] not in ("not_paid", "partial"):
                    raise user_error("You can't register a payment because "
                                     "there is nothing left to pay on the "
                                     "selected journal items.")
            wid = self.next_id(st, "account.payment.register")
            st["account.payment.register"][str(wid)] = {
                "name": "wizard", "move_ids": c["active_ids"],
                "amount": vals.get("amount"),
                "payment_date": vals.get("payment_date")}
            new.append(wid)
        return new

    def m_action_create_payments(self, st, uid, model, ids):
        if model != "account.payment.register":
            raise no_method("such method")
        self.may_post(uid, "create 'Payment' (account.payment) records.")
        for w in ids:
            wz = self.record(st, model, w)
            for i in wz["move_ids"]:
                m = st["account.move"][str(i)]
                amount = wz["amount"] if wz["amount"] is not None \
                    else m["amount_residual"]
                if not isinstance(amount, (int, float)) or amount <= 0:
                    raise user_error("The payment amount must be strictly "
                                     "positive.")
                m["amount_residual"] = round(max(0.0, m["amount_residual"] -
                                                 amount), 2)
                m["payment_state"] = "paid" if m["amount_residual"] == 0 \
                    else "partial"
                pid = self.next_id(st, "account.payment")
                st["account.payment"][str(pid)] = {
                    "name": "PBNK1/%05d" % pid,
                    "amount": amount, "move_id": int(i),
                    "date": wz["payment_date"], "create_uid": uid}
        return True

    # --- the Send button ---------------------------------------------------
    def m_action_send_and_print(self, st, uid, model, ids):
        if model == "account.move":
            return self.send_action(st, ids)
        if model not in ("account.move.send", "account.move.send.wizard"):
            raise no_method("such method")
        for w in ids:
            wz = self.record(st, model, w)
            for i in wz["move_ids"]:
                self.send_mail(st, uid, wz, i)
        return {"type": "ir.actions.act_window_close"}

    def send_action(self, st, ids):
        """account.move.action_send_and_print: the window action the button
        opens, as each version answers it."""
        self.posted(st, ids, "You can't Send & Print invoice(s) in draft "
                    "state." if self.version < 18 else
                    "You can't Send invoice(s) that are not posted.")
        if self.version < 18:
            return {"name": "Send", "type": "ir.actions.act_window",
                    "view_mode": "form", "res_model": "account.move.send",
                    "target": "new",
                    "context": {"active_ids": ids,
                                "default_mail_template_id": 9}}
        return {"name": "Send", "type": "ir.actions.act_window",
                "view_mode": "form",
                "res_model": "account.move.send.wizard" if len(ids) == 1
                else "account.move.send.batch.wizard", "target": "new",
                "context": {"active_model": "account.move",
                            "active_ids": ids}}

    def create_send(self, st, model, vals_list):
        """The Send wizard of the version: Odoo 17's account.move.send takes
        its invoices from the context's active_ids and the template from
        default_mail_template_id; 18's account.move.send.wizard one move_id
        (or the first active id)."""
        if (model == "account.move.send") != (self.version < 18):
            raise OdooError("builtins.KeyError", model, 500)
        c = self.ctx
        new = []
        for vals in as_list(vals_list) or [{}]:
            if model == "account.move.send":
                moves = c.get("active_ids") or []
                mail = vals.get("checkbox_send_mail", True)
                template = vals.get("mail_template_id",
                                    c.get("default_mail_template_id"))
            else:
                mid = vals.get("move_id") or (c.get("active_ids") or [None])[0]
                moves = [mid] if mid else []
                mail = "email" in (vals.get("sending_methods") or [])
                template = 9
            if not moves:
                raise user_error("fake: no invoice to send")
            self.posted(st, moves, "You can't Send & Print invoice(s) in "
                        "draft state.")
            wid = self.next_id(st, model)
            st[model][str(wid)] = {"name": "wizard", "move_ids": moves,
                                   "send_mail": bool(mail),
                                   "template": template,
                                   "download": bool(vals.get(
                                       "checkbox_download"))}
            new.append(wid)
        return new

    def send_mail(self, st, uid, wz, mid):
        """What the wizard's button does for one invoice: the PDF made, the
        template's mail queued to the partner, the invoice marked sent."""
        m = st["account.move"][str(mid)]
        if not wz["send_mail"]:
            return
        if not wz["template"]:
            raise user_error("fake: no mail template")
        partner = st["res.partner"][str(m["partner_id"])]
        if not partner.get("email"):
            raise user_error("Partner(s) should have an email address.")
        st["mail.mail"][str(self.next_id(st, "mail.mail"))] = {
            "model": "account.move", "res_id": int(mid),
            "email_to": partner["email"],
            "subject": "YourCompany Invoice (Ref %s)" % m["name"],
            "attachment": m["name"].replace("/", "_") + ".pdf",
            "template": wz["template"], "create_uid": uid}
        m["is_move_sent"] = True
