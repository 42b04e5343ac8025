// A real redis-server (Debian's) on a free port of 127.0.0.1, without
// persistence, that a test can stop and start again on the same port.
import { spawn } from "node:child_process";

import { endChild, freePort } from "./server.mjs";

export class RedisServer {
  constructor(port) {
    this.port = port;
    this.child = null;
  }

  static async start() {
    const server = new RedisServer(await freePort());
    await server.spawn();
    return server;
  }

  get url() {
    return `redis://127.0.0.1:${this.port}/`;
  }

  spawn() {
    return new Promise((resolve, reject) => {
      const child = spawn(
        "redis-server",
        ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      this.child = child;
      let seen = "";
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${seen}`)), 15000);
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk) => {
        seen += chunk;
        if (seen.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("error", (err) => {
        clearTimeout(timer);
        reject(new Error(`redis-server could not start (is Debian's redis-server installed?): ${err.message}`));
      });
      child.on("exit", (code) => {
        clearTimeout(timer);
        if (!seen.includes("Ready to accept connections")) reject(new Error(`redis-server exited with ${code}: ${seen}`));
      });
    });
  }

  async stop() {
    await endChild(this.child, "SIGKILL");
  }
}
