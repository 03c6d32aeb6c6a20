/**
 * Reads the JUnit report of `deno test` and prints the plain line CI reads:
 * "N passed, N failed, N skipped". Exits 1 if anything failed or nothing ran.
 */
const path = Deno.args[0];
let xml = "";
try {
  xml = Deno.readTextFileSync(path);
} catch {
  console.log("0 passed, 1 failed, 0 skipped");
  console.error(`ci: no test report at ${path}`);
  Deno.exit(1);
}
// one <testcase ...> per test or step; a failure or skip is a child element of it
const cases = xml.match(/<testcase\b[\s\S]*?(?:\/>|<\/testcase>)/g) ?? [];
let failed = 0;
let skipped = 0;
for (const c of cases) {
  if (/<failure\b|<error\b/.test(c)) failed++;
  else if (/<skipped\b/.test(c)) skipped++;
}
const passed = cases.length - failed - skipped;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
Deno.exit(failed > 0 || cases.length === 0 ? 1 : 0);
