/** The interflow CLI run from the sources (bench/abuse starts `serve` with it; no build needed). */
import { main } from '../../src/cli/main';

main(process.argv).then((code) => {
  process.exitCode = code;
});
