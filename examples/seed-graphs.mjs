// The main job on the bundled example: the seed notebook's PyTensor half (building graphs,
// dprint, compiling with pt.fn, the graph structure, cloneReplace), run with the built package.
// `npm run example` builds first and then runs this file; the installed `tsmc example` command
// prints the same.
// The walk-through itself is compiler/seed-example.ts.
import { seedGraphsText } from "../dist/compiler/seed-example.js";

process.stdout.write(seedGraphsText());
