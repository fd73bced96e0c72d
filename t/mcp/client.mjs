// t/mcp/client.mjs - drive vault-mcp with the official MCP TypeScript SDK
// (Client + StdioClientTransport), for t/27-vault-mcp.bats.
//
// usage: node t/mcp/client.mjs STEPS-JSON [vault-mcp ARGS...]
// STEPS-JSON is an array of steps, run in order in one session:
//   {"tool": NAME, "args": {...}}       tools/call through client.callTool
//   {"list": "tools"|"resources"}       tools/list, resources/list
//   {"read": URI}                       resources/read
//   {"method": M, "params": {...}}      any request, by client.request
// It prints one JSON object: {"server": serverInfo, "capabilities": ...,
// "steps": [{"result": ...} | {"error": {"code", "message"}}, ...],
// "server_exit": its exit status once its stdin was closed}.
// vault-mcp is found in PATH; it gets this process's whole environment
// (the SDK would otherwise pass only HOME, PATH and a few more).
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ResultSchema } from "@modelcontextprotocol/sdk/types.js";

const [stepsJson, ...serverArgs] = process.argv.slice(2);
const steps = JSON.parse(stepsJson ?? "[]");

const transport = new StdioClientTransport({
  command: "vault-mcp",
  args: serverArgs,
  env: { ...process.env },
  stderr: "inherit",
});
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
