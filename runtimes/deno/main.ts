// tcp-echo on Deno: `deno run --allow-net runtimes/deno/main.ts` (add --allow-env=HOST,PORT to
// read those variables). --unix PATH needs --allow-read=PATH --allow-write=PATH instead of
// --allow-net; --tls-cert and --tls-key need --allow-read for the two files; --udp needs
// --unstable-net (Deno 2.9 has Deno.listenDatagram only behind it).
import { denoPlatform, main } from "@tcp-echo/cli";
import * as deno from "@tcp-echo/deno";

const platform = denoPlatform();
platform.exit(await main(platform, deno));
