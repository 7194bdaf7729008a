/** `node --import` this to run a command with the bodies of a plan blanked before the parse (blank-bodies-loader.ts). */
import { register } from 'node:module';

register('./blank-bodies-loader.js', import.meta.url);
