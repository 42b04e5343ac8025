// Starts the demo server (the binary cargo built) on a free port of
// 127.0.0.1 for a test file, and can restart it on the same port.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const binary = process.env.DEMO_BIN || path.join(root, "target", "debug", "demo");

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export class DemoServer {
  constructor(port) {
    this.port = port;
    this.child = null;
  }

  static async start() {
    const server = new DemoServer(await freePort());
    await server.spawn();
    return server;
  }

  get socketUrl() {
    return `ws://127.0.0.1:${this.port}/socket`;
  }

  spawn() {
    return new Promise((resolve, reject) => {
      const child = spawn(binary, [], {
        cwd: root,
        env: { ...process.env, PHX_ENV: "test", PORT: String(this.port), RUST_LOG: "info", PHX_ROOT: root, DATABASE_URL: "sqlite::memory:" },
        stdio: ["ignore", "ignore", "pipe"],
      });
      this.child = child;
      let seen = "";
      const timer = setTimeout(() => reject(new Error(`demo did not start: ${seen}`)), 30000);
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (chunk) => {
        seen += chunk;
        if (seen.includes("listening on http://")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        if (!seen.includes("listening on http://")) reject(new Error(`demo exited with ${code}: ${seen}`));
      });
    });
  }

  async stop() {
    if (!this.child || this.child.exitCode !== null) return;
    const child = this.child;
    const exited = new Promise((resolve) => child.on("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }

  async restart() {
    await this.stop();
    await this.spawn();
  }
}
