#!/usr/bin/env python3
"""openai.py - a fake OpenAI-compatible chat completions server (Ollama,
llama.cpp) at POST /v1/chat/completions for the tests. It checks the
optional bearer key, content-type and the body (model, messages with
system and user roles, max_tokens) and answers in the wire format. Script
kinds (see scripted.py):
  ok [in= out= cached= model=] TEXT   finish_reason stop
  truncated                           finish_reason length
  refusal                             message.refusal set, content null
  empty                               content ""
  error [type=T] [retry-after=N] MSG  {"error":{"message":...,"type":...}}
  llamacpp MSG                        old llama.cpp {"error":"MSG"}
  loading                             llama.cpp's 503 while loading a model
  badjson                             a 200 that is not JSON
  slow [secs=N] TEXT                  an ok answer after N seconds
"""
import time

import scripted

DEFAULT = "200 ok in=90 out=30 Hello Alice,\\n\\nyour order ships tomorrow.\\n\\nBest regards,\\nThe Owner"


def error(h, status, etype, msg, headers=None):
    h.send(status, {"error": {"message": msg, "type": etype, "param": None, "code": None}}, headers)


class H(scripted.Handler):
    def do_POST(self):
        body, raw = self.read_json()
        self.log({"path": self.path, "authorization": self.headers.get("authorization"),
                  "content-type": self.headers.get("content-type"), "body": body})
        if self.path != "/v1/chat/completions":
            return error(self, 404, "not_found", "fake: no route " + self.path)
        if self.key and self.headers.get("authorization") != "Bearer " + self.key:
            return error(self, 401, "invalid_request_error", "Incorrect API key provided")
        if (self.headers.get("content-type") or "").split(";")[0] != "application/json":
            return error(self, 400, "invalid_request_error", "fake: content-type is not application/json")
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            return error(self, 400, "invalid_request_error", "fake: model is required")
        msgs = body.get("messages")
        if not isinstance(msgs, list) or not msgs or any(
                not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant")
                or not isinstance(m.get("content"), str) for m in msgs):
            return error(self, 400, "invalid_request_error", "fake: messages: bad shape")
        if msgs[-1]["role"] != "user":
            return error(self, 400, "invalid_request_error", "fake: last message must be the user's")
        mt = body.get("max_tokens")
        if mt is not None and (not isinstance(mt, int) or mt < 1):
            return error(self, 400, "invalid_request_error", "fake: max_tokens must be a positive integer")

        status, kind, o, text = self.script.next()
        hdrs = {"retry-after": o["retry-after"]} if "retry-after" in o else None
        if kind == "exhausted":
            return error(self, 418, "invalid_request_error", "fake: script exhausted")
        if kind == "error":
            return error(self, status, o.get("type", "server_error"), text or "error", hdrs)
        if kind == "llamacpp":
            return self.send(status, {"error": text}, hdrs)
        if kind == "loading":
            return self.send(503, {"error": {"code": 503, "message": "Loading model",
                                             "type": "unavailable_error"}}, hdrs)
        if kind == "badjson":
            return self.send(status, b"<html>not json</html>", hdrs)
        if kind == "slow":
            time.sleep(float(o.get("secs", "5")))
        msg = {"role": "assistant", "content": text}
        finish = "stop"
        if kind == "truncated":
            finish = "length"
        elif kind == "refusal":
            msg = {"role": "assistant", "content": None, "refusal": "I cannot help with that."}
        elif kind == "empty":
            msg["content"] = ""
        pin = int(o.get("in", 50))
        usage = {"prompt_tokens": pin, "completion_tokens": int(o.get("out", 10)),
                 "total_tokens": pin + int(o.get("out", 10))}
        if "cached" in o:
            usage["prompt_tokens_details"] = {"cached_tokens": int(o["cached"])}
        self.send(status, {"id": "chatcmpl-fake", "object": "chat.completion", "created": 1764547200,
                           "model": o.get("model", body["model"]),
                           "choices": [{"index": 0, "message": msg, "finish_reason": finish}],
                           "usage": usage}, hdrs)


if __name__ == "__main__":
    scripted.serve(H, DEFAULT)
