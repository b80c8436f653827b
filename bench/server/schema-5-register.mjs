// Loaded with `node --import` in the Colyseus server child only: @colyseus/core 0.18 needs
// @colyseus/schema 5 (a peer dependency), while the project's @colyseus/schema stays at 3 for
// the snapshot bench. The hook resolves `@colyseus/schema` to the `colyseus-schema-5` alias.
import { register } from 'node:module';

register('./schema-5-hook.mjs', import.meta.url);
