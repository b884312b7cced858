import { readCliConfig } from './config';
import { processIo } from './io';
import { main } from './main';

const config = readCliConfig(process.env, process.stdout.isTTY === true, process.cwd());
process.exitCode = await main(process.argv.slice(2), { config, io: processIo });
