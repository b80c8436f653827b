// Module resolve hook (see schema-5-register.mjs): `@colyseus/schema[/x]` -> `colyseus-schema-5[/x]`.
const FROM = '@colyseus/schema';

export async function resolve(specifier, context, next) {
  if (specifier === FROM || specifier.startsWith(`${FROM}/`))
    return next(`colyseus-schema-5${specifier.slice(FROM.length)}`, context);
  return next(specifier, context);
}
