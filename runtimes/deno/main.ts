// tcp-echo on Deno: `deno run --allow-net runtimes/deno/main.ts` (add --allow-env=HOST,PORT to
// read those variables).
import { denoPlatform, main } from "@tcp-echo/cli";
import { tcp } from "@tcp-echo/deno";

const platform = denoPlatform();
platform.exit(await main(platform, tcp()));
