/**
 * Include/exclude globs on keys relative to the prefix.
 *
 * - `*` matches within one path segment, `?` one character of it, `[abc]`/`[a-z]`/`[!a]`
 *   a class; `**` any number of segments (`**` alone, `a/**`, `**` + `/b`).
 * - A pattern without `/` is matched against the last segment (the file name), so `*.bin`
 *   selects `.bin` files at any depth; a pattern with `/` is matched against the whole
 *   relative key (`logs/2024-*` + `/**`).
 *
 * @module
 */

/**
 * The regular expression for one glob.
 *
 * @example
 * ```ts
 * import { globToRegExp } from "./filters.ts";
 * console.log(globToRegExp("a/**").test("a/b/c.bin")); // true
 * console.log(globToRegExp("*.bin").test("x/y.bin")); // false (use matchesGlob for names)
 * ```
 */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const slash = glob[i + 2] === "/";
        re += slash ? "(?:.*/)?" : ".*";
        i += slash ? 2 : 1;
      } else {
        re += "[^/]*";
      }
    } else if (c === "?") {
      re += "[^/]";
    } else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) {
        re += "\\[";
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith("!") || body.startsWith("^");
      if (negate) body = body.slice(1);
      body = body.replace(/[\\\]^]/g, (m) => `\\${m}`);
      re += negate ? `[^/${body}]` : `[${body}]`;
      i = end;
    } else {
      re += c.replace(/[.+^${}()|\\/]/g, (m) => `\\${m}`);
    }
  }
  return new RegExp(`^${re}$`, "u");
}

/** Whether `relativeKey` matches `glob` (see the module doc for the name rule). */
export function matchesGlob(relativeKey: string, glob: string | RegExp): boolean {
  const re = typeof glob === "string" ? globToRegExp(glob.replace(/^\/+/, "")) : glob;
  return re.test(relativeKey);
}

/**
 * A predicate on relative keys: included by at least one `include` glob (or there are
 * none) and by no `exclude` glob.
 *
 * @example
 * ```ts
 * import { keyFilter } from "./filters.ts";
 * const keep = keyFilter(["*.bin"], ["tmp/**"]);
 * console.log(keep("a/x.bin"), keep("tmp/y.bin"), keep("a/x.txt")); // true false false
 * ```
 */
export function keyFilter(
  include: readonly string[] = [],
  exclude: readonly string[] = [],
): (relativeKey: string) => boolean {
  const compile = (globs: readonly string[]) =>
    globs.map((g) => {
      const pattern = g.replace(/^\/+/, "");
      return { re: globToRegExp(pattern), name: !pattern.includes("/") };
    });
  const inc = compile(include);
  const exc = compile(exclude);
  const hit = (rules: { re: RegExp; name: boolean }[], key: string) =>
    rules.some((r) => r.re.test(r.name ? key.slice(key.lastIndexOf("/") + 1) : key));
  return (key) => (inc.length === 0 || hit(inc, key)) && !hit(exc, key);
}
