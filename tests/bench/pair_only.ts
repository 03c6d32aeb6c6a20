// scratch (not committed): deno run -A tests/bench/pair_only.ts c|ts N [packets]
import { runPair } from "./pairs.ts";
const kind = Deno.args[0] as "c" | "ts";
const n = Number(Deno.args[1] ?? 3);
for (let i = 0; i < n; i++) {
  const r = await runPair(kind, { packets: Number(Deno.args[2] ?? 200000), batch: 8, paceUs: 0 });
  console.log(
    kind,
    r.directions.map((d) => `${(d.pps / 1000).toFixed(0)}k drops ${d.drops}`).join(" | "),
  );
}
