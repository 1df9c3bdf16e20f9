// tcp-echo on Bun: `bun run runtimes/bun/main.ts`.

import * as bun from "@tcp-echo/bun";
import { bunPlatform, main } from "@tcp-echo/cli";

const platform = bunPlatform();
platform.exit(await main(platform, bun));
