// An AssemblyScript program for WASI (through @assemblyscript/wasi-shim):
// arguments, environment, console output to stdout and stderr, time,
// randomness and the exit status.

const argv = process.argv;
console.log("argc " + argv.length.toString());
for (let i = 1; i < argv.length; i++) console.log("arg " + argv[i]);
const env = process.env;
console.log("TERN_AS " + (env.has("TERN_AS") ? env.get("TERN_AS") : "(unset)"));
const t0 = Date.now();
console.log("after 2020 " + (t0 > 1577836800000 ? "yes" : "no"));
const r = Math.random();
console.log("random in range " + (r >= 0.0 && r < 1.0 ? "yes" : "no"));
let sum: i64 = 0;
for (let i: i64 = 0; i < 1000000; i++) sum += i * i;
console.log("sum " + sum.toString());
process.stderr.write("to stderr\n");
process.exit(argv.length > 1 ? I32.parseInt(argv[1]) : 0);
