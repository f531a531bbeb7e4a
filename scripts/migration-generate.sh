#!/usr/bin/env bash
# Generates a migration for one dialect by diffing the entities against a fresh
# database that has every existing migration applied.
#   scripts/migration-generate.sh sqlite AddThing
#   scripts/migration-generate.sh mysql AddThing   (uses MYSQL_ADMIN_URL, default mysql://root@127.0.0.1:3306)
set -euo pipefail
dialect=${1:?usage: migration-generate.sh sqlite|mysql Name}
name=${2:?usage: migration-generate.sh sqlite|mysql Name}
cd "$(dirname "$0")/.."
typeorm() { TS_NODE_TRANSPILE_ONLY=true node -r ts-node/register -r tsconfig-paths/register ./node_modules/typeorm/cli.js -d ormconfig.ts "$@"; }
case "$dialect" in
  sqlite)
    db=$(mktemp -d)/gen.sqlite
    export DATABASE_URL="sqlite:$db" ;;
  mysql)
    admin=${MYSQL_ADMIN_URL:-mysql://root@127.0.0.1:3306}
    mysql -h 127.0.0.1 -u root -e 'DROP DATABASE IF EXISTS torii_migration_gen; CREATE DATABASE torii_migration_gen'
    export DATABASE_URL="$admin/torii_migration_gen" ;;
  *) echo "dialect must be sqlite or mysql" >&2; exit 2 ;;
esac
typeorm migration:run
typeorm migration:generate "libs/database/src/migrations/$dialect/$name" --pretty
dir="libs/database/src/migrations/$dialect"
# MySQL tables are created without CHARSET or COLLATE, so they take the database's default: utf8mb4 in the server's
# binary NO PAD collation since the NoPadCollation and OneCollation migrations (case-, accent- and trailing-space-
# sensitive like SQLite; case-insensitive rules are explicit in the code). Never add "DEFAULT CHARSET = utf8mb4"
# alone: it picks the charset's default collation (utf8mb4_general_ci on MariaDB), not the database's.
# test/collation.e2e-spec.ts fails on any table or column in another collation.
# Rebuild the dialect's ordered list of migrations.
node -e '
const fs = require("fs"), dir = process.argv[1], upper = process.argv[2].toUpperCase();
const files = fs.readdirSync(dir).filter((f) => /^\d+-.*\.ts$/.test(f)).sort();
const entries = files.map((f) => [/class (\w+)/.exec(fs.readFileSync(`${dir}/${f}`, "utf8"))[1], f.slice(0, -3)]);
fs.writeFileSync(`${dir}/index.ts`, entries.map(([c, f]) => `import { ${c} } from "./${f}";`).join("\n") +
  `\n\n/** Applied in this order; add each new migration at the end. */\nexport const ${upper}_MIGRATIONS = [${entries.map(([c]) => c).join(", ")}];\n`);
' "$dir" "$dialect"
npx prettier --write "$dir/index.ts" >/dev/null
echo "Generated $dir/*-$name.ts and updated $dir/index.ts"
