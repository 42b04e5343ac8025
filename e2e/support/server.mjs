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

/**
 * Sends `signal` to a child process and resolves when it has exited (at
 * once if it already has: a child killed by a signal has a `signalCode`,
 * not an `exitCode`).
 */
export async function endChild(child, signal) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.on("exit", resolve));
  child.kill(signal);
  await exited;
}

export class DemoServer {
  /** `env`: extra environment variables (e.g. `PHX_PUBSUB__ADAPTER`). */
  constructor(port, env = {}) {
    this.port = port;
    this.env = env;
    this.child = null;
    /** Everything the server wrote on stderr (its log) since it started. */
    this.log = "";
  }

  static async start(env = {}) {
    const server = new DemoServer(await freePort(), env);
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
        env: {
          ...process.env,
          PHX_ENV: "test",
          PORT: String(this.port),
          RUST_LOG: "info",
          PHX_ROOT: root,
          DATABASE_URL: "sqlite::memory:",
          ...this.env,
        },
        stdio: ["ignore", "ignore", "pipe"],
      });
      this.child = child;
      let seen = "";
      const timer = setTimeout(() => reject(new Error(`demo did not start: ${seen}`)), 30000);
      child.stderr.setEncoding("utf8");
      this.log = "";
      child.stderr.on("data", (chunk) => {
        seen += chunk;
        this.log += chunk;
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
    await endChild(this.child, "SIGTERM");
  }

  /** Kills the server without letting it close anything (a crashed node). */
  async kill() {
    await endChild(this.child, "SIGKILL");
  }

  async restart() {
    await this.stop();
    await this.spawn();
  }
}
