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
  tool [id=toolu_x] NAME JSON-INPUT   a tool_use block, stop_reason tool_use
                                      (a \\n in JSON-INPUT is a newline in a string)
With "stream": true in the body the answer is the same message as the
Messages API streams it: server-sent events message_start, ping,
content_block_start/delta/stop (text_delta, input_json_delta),
message_delta with the stop_reason, message_stop. Other paths and methods
(Claude Code's HEAD /, count_tokens, ...) are logged and answered 404.
"""
import itertools
import json
import time

import scripted

DEFAULT = "200 ok in=120 out=40 Hello Alice,\\n\\nyour order ships tomorrow.\\n\\nBest regards,\\nThe Owner"


TOOL_IDS = itertools.count(1)
MSG_IDS = itertools.count(1)


def error(h, status, etype, msg, headers=None):
    h.send(status, {"type": "error", "error": {"type": etype, "message": msg},
                    "request_id": "req_fake"}, headers)


def sse_events(msg):
    """The Messages API's stream of the message msg, as (event, data)."""
    head = dict(msg, content=[], stop_reason=None, stop_sequence=None,
                usage=dict(msg["usage"], output_tokens=1))
    yield "message_start", {"type": "message_start", "message": head}
    yield "ping", {"type": "ping"}
    for i, block in enumerate(msg["content"]):
        if block["type"] == "tool_use":
            start, arg = dict(block, input={}), json.dumps(block["input"])
            # the input in two pieces, as the API cuts it anywhere
            cut = len(arg) // 2
            deltas = [{"type": "input_json_delta", "partial_json": arg[:cut]},
                      {"type": "input_json_delta", "partial_json": arg[cut:]}]
        else:
            start, text = dict(block, text=""), block["text"]
            cut = len(text) // 2
            deltas = [{"type": "text_delta", "text": t} for t in (text[:cut], text[cut:]) if t]
        yield "content_block_start", {"type": "content_block_start", "index": i, "content_block": start}
        for d in deltas:
            yield "content_block_delta", {"type": "content_block_delta", "index": i, "delta": d}
        yield "content_block_stop", {"type": "content_block_stop", "index": i}
    yield "message_delta", {"type": "message_delta",
                            "delta": {"stop_reason": msg["stop_reason"], "stop_sequence": None},
                            "usage": {"output_tokens": msg["usage"]["output_tokens"]}}
    yield "message_stop", {"type": "message_stop"}


class H(scripted.Handler):
    def do_HEAD(self):
        self.other()

    def do_GET(self):
        self.other()

    def other(self):
        self.log({"method": self.command, "path": self.path})
        if self.command == "HEAD":
            self.send_response(404)
            self.send_header("content-length", "0")
            return self.end_headers()
        error(self, 404, "not_found_error", "Not found: " + self.path)

    def stream(self, msg):
        """msg as server-sent events, one chunk each (HTTP/1.1 chunked)."""
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for event, data in sse_events(msg):
            chunk = ("event: %s\ndata: %s\n\n" % (event, json.dumps(data))).encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def do_POST(self):
        body, raw = self.read_json()
        entry = {"method": "POST", "path": self.path,
                 "x-api-key": self.headers.get("x-api-key"),
                 "anthropic-version": self.headers.get("anthropic-version"),
                 "content-type": self.headers.get("content-type"),
                 "body": body}
        self.log(entry)
        if self.path.split("?")[0] != "/v1/messages":
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
        # the beta Claude Code asks for lets a system message come mid-conversation
        roles = ("user", "assistant")
        if "mid-conversation-system" in (self.headers.get("anthropic-beta") or ""):
            roles += ("system",)
        if not isinstance(msgs, list) or not msgs or any(
                not isinstance(m, dict) or m.get("role") not in roles
                or not isinstance(m.get("content"), (str, list)) for m in msgs):
            return error(self, 400, "invalid_request_error", "fake: messages: bad shape (system is not a role)")
        if msgs[0]["role"] != "user":
            return error(self, 400, "invalid_request_error", "fake: first message must use the user role")
        if "system" in body and not isinstance(body["system"], (str, list)):
            return error(self, 400, "invalid_request_error", "fake: system: bad type")
        extra = set(body) - {"model", "max_tokens", "messages", "system", "temperature",
                             "stop_sequences", "metadata", "stream", "tools", "tool_choice",
                             "thinking", "top_k", "top_p", "service_tier",
                             "context_management", "output_config"}
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
        elif kind == "tool":
            name, _, arg = text.partition(" ")
            stop = "tool_use"
            content = [{"type": "tool_use", "id": o.get("id", "toolu_fake%02d" % next(TOOL_IDS)),
                        "name": name, "input": json.loads(arg or "{}", strict=False)}]
        usage = {"input_tokens": int(o.get("in", 100)), "output_tokens": int(o.get("out", 20)),
                 "cache_creation_input_tokens": int(o["cw"]) if "cw" in o else None,
                 "cache_read_input_tokens": int(o["cr"]) if "cr" in o else None}
        # each message its own id: Claude Code joins messages with the same id
        msg = {"id": "msg_fake%02d" % next(MSG_IDS), "type": "message", "role": "assistant",
               "model": o.get("model", body["model"]), "content": content,
               "stop_reason": stop, "stop_sequence": None, "usage": usage}
        if body.get("stream") is True and status == 200:
            return self.stream(msg)
        self.send(status, msg, hdrs)


if __name__ == "__main__":
    scripted.serve(H, DEFAULT)
