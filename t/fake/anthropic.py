#!/usr/bin/env python3
"""anthropic.py - a fake Anthropic Messages API (POST /v1/messages) for the
tests. It checks what the real one checks (x-api-key, anthropic-version,
content-type, the body's model, max_tokens, messages and system) and answers
in its wire format. Script kinds (see scripted.py):
  ok [in= out= cr= cw= model=] TEXT   a message, stop_reason end_turn
  truncated                           stop_reason max_tokens
  refusal                             stop_reason refusal
  empty                               content []
  error [type=T] [retry-after=N] MSG  {"type":"error","error":{...}}
  badjson                             a 200 that is not JSON
  dupkeys                             a 200 whose JSON repeats a key
  slow [secs=N] TEXT                  an ok answer after N seconds
"""
import time

import scripted

DEFAULT = "200 ok in=120 out=40 Hello Alice,\\n\\nyour order ships tomorrow.\\n\\nBest regards,\\nThe Owner"


def error(h, status, etype, msg, headers=None):
    h.send(status, {"type": "error", "error": {"type": etype, "message": msg},
                    "request_id": "req_fake"}, headers)


class H(scripted.Handler):
    def do_POST(self):
        body, raw = self.read_json()
        entry = {"path": self.path,
                 "x-api-key": self.headers.get("x-api-key"),
                 "anthropic-version": self.headers.get("anthropic-version"),
                 "content-type": self.headers.get("content-type"),
                 "body": body}
        self.log(entry)
        if self.path != "/v1/messages":
            return error(self, 404, "not_found_error", "Not found: " + self.path)
        if self.key and self.headers.get("x-api-key") != self.key:
            return error(self, 401, "authentication_error", "invalid x-api-key")
        if self.headers.get("anthropic-version") != "2023-06-01":
            return error(self, 400, "invalid_request_error", "fake: anthropic-version header missing or wrong")
        if (self.headers.get("content-type") or "").split(";")[0] != "application/json":
            return error(self, 400, "invalid_request_error", "fake: content-type is not application/json")
        if not isinstance(body, dict):
            return error(self, 400, "invalid_request_error", "fake: body is not a JSON object")
        if not isinstance(body.get("model"), str) or not body["model"]:
            return error(self, 400, "invalid_request_error", "fake: model: Field required")
        mt = body.get("max_tokens")
        if not isinstance(mt, int) or isinstance(mt, bool) or mt < 1:
            return error(self, 400, "invalid_request_error", "fake: max_tokens: Field required")
        msgs = body.get("messages")
        if not isinstance(msgs, list) or not msgs or any(
                not isinstance(m, dict) or m.get("role") not in ("user", "assistant")
                or not isinstance(m.get("content"), (str, list)) for m in msgs):
            return error(self, 400, "invalid_request_error", "fake: messages: bad shape (system is not a role)")
        if msgs[0]["role"] != "user":
            return error(self, 400, "invalid_request_error", "fake: first message must use the user role")
        if "system" in body and not isinstance(body["system"], (str, list)):
            return error(self, 400, "invalid_request_error", "fake: system: bad type")
        extra = set(body) - {"model", "max_tokens", "messages", "system", "temperature",
                             "stop_sequences", "metadata", "stream"}
        if extra:
            return error(self, 400, "invalid_request_error", "fake: unknown fields " + ",".join(sorted(extra)))

        status, kind, o, text = self.script.next()
        hdrs = {"retry-after": o["retry-after"]} if "retry-after" in o else None
        if kind == "exhausted":
            return error(self, 418, "invalid_request_error", "fake: script exhausted")
        if kind == "error":
            return error(self, status, o.get("type", "api_error"), text or "error", hdrs)
        if kind == "badjson":
            return self.send(status, b'{"id": "msg_1", "content": [', hdrs)
        if kind == "dupkeys":
            return self.send(status, b'{"type":"message","content":[{"type":"text","text":"a"}],'
                             b'"content":[{"type":"text","text":"b"}],"stop_reason":"end_turn",'
                             b'"usage":{"input_tokens":1,"output_tokens":1}}', hdrs)
        if kind == "slow":
            time.sleep(float(o.get("secs", "5")))
        content = [{"type": "text", "text": text}]
        stop = "end_turn"
        if kind == "truncated":
            stop = "max_tokens"
        elif kind == "refusal":
            stop, content = "refusal", []
        elif kind == "empty":
            content = []
        usage = {"input_tokens": int(o.get("in", 100)), "output_tokens": int(o.get("out", 20)),
                 "cache_creation_input_tokens": int(o["cw"]) if "cw" in o else None,
                 "cache_read_input_tokens": int(o["cr"]) if "cr" in o else None}
        self.send(status, {"id": "msg_fake01", "type": "message", "role": "assistant",
                           "model": o.get("model", body["model"]), "content": content,
                           "stop_reason": stop, "stop_sequence": None, "usage": usage}, hdrs)


if __name__ == "__main__":
    scripted.serve(H, DEFAULT)
