// t/mcp/client.mjs - drive vault-mcp with the official MCP TypeScript SDK
// (Client + StdioClientTransport), for t/27-vault-mcp.bats and
// t/78-claude-code.bats.
//
// usage: node t/mcp/client.mjs STEPS-JSON [vault-mcp ARGS...]
//        node t/mcp/client.mjs --project DIR NAME STEPS-JSON
// STEPS-JSON is an array of steps, run in order in one session:
//   {"tool": NAME, "args": {...}}       tools/call through client.callTool
//   {"list": "tools"|"resources"}       tools/list, resources/list
//   {"read": URI}                       resources/read
//   {"method": M, "params": {...}}      any request, by client.request
// It prints one JSON object: {"server": serverInfo, "capabilities": ...,
// "steps": [{"result": ...} | {"error": {"code", "message"}}, ...],
// "server_exit": its exit status once its stdin was closed}.
//
// The first form runs vault-mcp, found in PATH, with this process's whole
// environment (the SDK would otherwise pass only HOME, PATH and a few
// more). The second starts the server NAME of DIR/.mcp.json as Claude
// Code starts a project's server (see project() below).
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport, getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";

function fail(msg) {
  process.stderr.write(`client.mjs: ${msg}\n`);
  process.exit(2);
}

// Claude Code's expansion in .mcp.json's command, args and env: ${VAR},
// and ${VAR:-default} when VAR is unset or empty; an unset ${VAR} stays as
// it is written (Claude Code's MCP documentation, "Environment variable
// expansion in .mcp.json").
function expand(s) {
  return s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
    (all, name, dflt) => {
      const v = process.env[name];
      if (dflt !== undefined) return v ? v : dflt;
      return v !== undefined ? v : all;
    });
}

// The server NAME of DIR/.mcp.json (Claude Code's project file), as Claude
// Code starts it: a stdio entry ("type" absent or "stdio") whose command
// is looked up in PATH, with its args, in DIR, the environment given the
// entry's env. The environment is the least a client gives (the SDK's
// default: HOME, PATH, SHELL, TERM, USER, LOGNAME) and the entry's env,
// nothing of this process's own but the sanitizers' options of the SAN
// test run - so the entry must work without VAULT_DIR or any other key
// from the shell Claude Code was started in.
function project(dir, name) {
  const file = join(dir, ".mcp.json");
  let conf;
  try {
    conf = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    fail(`${file}: ${e.message}`);
  }
  const entry = conf?.mcpServers?.[name];
  if (typeof entry !== "object" || entry === null)
    fail(`${file}: no mcpServers.${name}`);
  if (entry.type !== undefined && entry.type !== "stdio")
    fail(`${file}: ${name}: type ${entry.type} is not stdio`);
  if (typeof entry.command !== "string" || entry.command === "")
    fail(`${file}: ${name}: no command`);
  const args = entry.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === "string"))
    fail(`${file}: ${name}: args is not an array of strings`);
  const env = {};
  for (const [k, v] of Object.entries(entry.env ?? {})) {
    if (typeof v !== "string") fail(`${file}: ${name}: env.${k} is not a string`);
    env[k] = expand(v);
  }
  const san = {};
  for (const k of ["ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"])
    if (process.env[k] !== undefined) san[k] = process.env[k];
  return {
    command: expand(entry.command),
    args: args.map(expand),
    cwd: dir,
    env: { ...getDefaultEnvironment(), ...san, ...env },
  };
}

const argv = process.argv.slice(2);
let params, stepsJson;
if (argv[0] === "--project") {
  if (argv.length !== 4) fail("usage: --project DIR NAME STEPS-JSON");
  params = project(argv[1], argv[2]);
  stepsJson = argv[3];
} else {
  const [json, ...serverArgs] = argv;
  params = { command: "vault-mcp", args: serverArgs, env: { ...process.env } };
  stepsJson = json;
}
const steps = JSON.parse(stepsJson ?? "[]");

const transport = new StdioClientTransport({ ...params, stderr: "inherit" });
const client = new Client({ name: "ai-employee-tests", version: "1.0.0" });

async function run(step) {
  if (step.tool !== undefined)
    return client.callTool({ name: step.tool, arguments: step.args ?? {} });
  if (step.list === "tools") return client.listTools();
  if (step.list === "resources") return client.listResources(step.params);
  if (step.read !== undefined) return client.readResource({ uri: step.read });
  if (step.method !== undefined)
    return client.request({ method: step.method, params: step.params },
      ResultSchema);
  throw new Error(`bad step ${JSON.stringify(step)}`);
}

await client.connect(transport);
// The server's exit status, for the tests under the sanitizers (exit 99 on
// a report): the SDK does not expose the child, so its private field.
let exited;
const exitedP = new Promise((resolve) => {
  transport._process.once("exit", (code, signal) => {
    exited = code ?? `signal ${signal}`;
    resolve();
  });
});
const out = {
  server: client.getServerVersion(),
  capabilities: client.getServerCapabilities(),
  steps: [],
};
for (const step of steps) {
  try {
    out.steps.push({ result: await run(step) });
  } catch (e) {
    out.steps.push({ error: { code: e.code ?? null, message: String(e.message) } });
  }
}
await client.close();
await Promise.race([exitedP, new Promise((r) => setTimeout(r, 5000).unref())]);
out.server_exit = exited ?? null;
process.stdout.write(JSON.stringify(out) + "\n");
