import { guardStdio, main } from './main';

// The launcher's children run this when the launcher itself runs from TypeScript (see cliCommand);
// compiled, they run bin/interflow.js, which does the same with dist/.
guardStdio();
void main(process.argv).then((code) => {
  process.exitCode = code;
});
