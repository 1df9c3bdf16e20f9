// tcp-echo on Node.js: `node runtimes/node/dist/main.js` (built by tsup; this file is erasable
// TypeScript, so Node.js 22.18+ also runs it as is).
import { main, nodePlatform } from "@tcp-echo/cli";
import * as node from "@tcp-echo/node";

const platform = nodePlatform();
platform.exit(await main(platform, node));
