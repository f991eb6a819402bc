#!/usr/bin/env bash
# Rebuilds districts.geojson, boundary.geojson and water.geojson in this folder.
# See README.md (same folder) for where the two inputs come from and their licences.
#
# Usage:
#   build.sh DISTRICTS_SRC [RESERVOIRS_SRC]
#
#   DISTRICTS_SRC   distritos.geojson from github.com/douglaslessmann/geojson_distritos_sp
#                   at commit 656b254238ba00ea7769eb4924f90fffc9843d3c
#   RESERVOIRS_SRC  public/data/reservatorios.geojson from github.com/aikiesan/Paranapiacaba
#                   at commit 3d573026bf677410ffdc90c8d1e2a1d35f1fdad0
#                   (optional: without it water.geojson is left untouched)
#
# The same paths may be given as the environment variables DISTRICTS_SRC / RESERVOIRS_SRC.
# Each input is checked against the SHA-256 recorded below, so a different file is refused
# (set SKIP_SHA_CHECK=1 to build from a newer source on purpose, then update README.md).
#
# Tools: bash, node (>= 18), sha256sum, and mapshaper run through npx at a pinned version
# (downloaded from the npm registry on first use; it is NOT a dependency in package.json).
#
# Options (environment):
#   SIMPLIFY_INTERVAL  simplification resolution for the district layer, default 40m
#   OUT_DIR            where the three GeoJSON files are written, default: this folder
set -euo pipefail

MAPSHAPER_VERSION=0.7.70
MS=(npx --yes "mapshaper@${MAPSHAPER_VERSION}")

DISTRICTS_SRC=${1:-${DISTRICTS_SRC:-}}
RESERVOIRS_SRC=${2:-${RESERVOIRS_SRC:-}}
SIMPLIFY_INTERVAL=${SIMPLIFY_INTERVAL:-40m}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT_DIR=${OUT_DIR:-$HERE}

DISTRICTS_SHA256=a5daea470ce548b991309efb1a09a6eb13f51e964d3297b50c54eea327b74903
RESERVOIRS_SHA256=26a8f8a61f9f267e7427d00763da78e862bf4fa6ab34ea6251a0f083898db886

if [[ -z "$DISTRICTS_SRC" ]]; then
  sed -n '2,24p' "$0" >&2
  exit 2
fi

check_sha() { # file expected
  [[ "${SKIP_SHA_CHECK:-0}" == 1 ]] && return 0
  local got
  got=$(sha256sum "$1" | cut -d' ' -f1)
  if [[ "$got" != "$2" ]]; then
    echo "build.sh: $1 has sha256 $got, expected $2 (SKIP_SHA_CHECK=1 to override)" >&2
    exit 1
  fi
}
check_sha "$DISTRICTS_SRC" "$DISTRICTS_SHA256"
[[ -n "$RESERVOIRS_SRC" ]] && check_sha "$RESERVOIRS_SRC" "$RESERVOIRS_SHA256"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT_DIR"

# 1. Attributes: keep only code (COD_DIST as a string, leading zero dropped) and a
#    proper-case name.
#    The source spells names in upper case without accents and abbreviates
#    JD (Jardim) and CID (Cidade); the table below gives the official spelling
#    (Lei municipal 11.220/1992 as published by the Prefeitura) and is checked
#    against the source name, so an unexpected code or name stops the build.
node - "$DISTRICTS_SRC" "$TMP/named.geojson" <<'JS'
const fs = require('fs');
const [src, dst] = process.argv.slice(2);
const NAMES = {
  1: ['AGUA RASA', 'Água Rasa'], 2: ['ALTO DE PINHEIROS', 'Alto de Pinheiros'],
  3: ['ANHANGUERA', 'Anhanguera'], 4: ['ARICANDUVA', 'Aricanduva'],
  5: ['ARTUR ALVIM', 'Artur Alvim'], 6: ['BARRA FUNDA', 'Barra Funda'],
  7: ['BELA VISTA', 'Bela Vista'], 8: ['BELEM', 'Belém'],
  9: ['BOM RETIRO', 'Bom Retiro'], 10: ['BRAS', 'Brás'],
  11: ['BRASILANDIA', 'Brasilândia'], 12: ['BUTANTA', 'Butantã'],
  13: ['CACHOEIRINHA', 'Cachoeirinha'], 14: ['CAMBUCI', 'Cambuci'],
  15: ['CAMPO BELO', 'Campo Belo'], 16: ['CAMPO GRANDE', 'Campo Grande'],
  17: ['CAMPO LIMPO', 'Campo Limpo'], 18: ['CANGAIBA', 'Cangaíba'],
  19: ['CAPAO REDONDO', 'Capão Redondo'], 20: ['CARRAO', 'Carrão'],
  21: ['CASA VERDE', 'Casa Verde'], 22: ['CID ADEMAR', 'Cidade Ademar'],
  23: ['CID DUTRA', 'Cidade Dutra'], 24: ['CID LIDER', 'Cidade Líder'],
  25: ['CID TIRADENTES', 'Cidade Tiradentes'], 26: ['CONSOLACAO', 'Consolação'],
  27: ['CURSINO', 'Cursino'], 28: ['ERMELINO MATARAZZO', 'Ermelino Matarazzo'],
  29: ['FREGUESIA DO O', 'Freguesia do Ó'], 30: ['GRAJAU', 'Grajaú'],
  31: ['GUAIANASES', 'Guaianases'], 32: ['MOEMA', 'Moema'],
  33: ['IGUATEMI', 'Iguatemi'], 34: ['IPIRANGA', 'Ipiranga'],
  35: ['ITAIM BIBI', 'Itaim Bibi'], 36: ['ITAIM PAULISTA', 'Itaim Paulista'],
  37: ['ITAQUERA', 'Itaquera'], 38: ['JABAQUARA', 'Jabaquara'],
  39: ['JACANA', 'Jaçanã'], 40: ['JAGUARA', 'Jaguara'],
  41: ['JAGUARE', 'Jaguaré'], 42: ['JARAGUA', 'Jaraguá'],
  43: ['JD ANGELA', 'Jardim Ângela'], 44: ['JD HELENA', 'Jardim Helena'],
  45: ['JD PAULISTA', 'Jardim Paulista'], 46: ['JD SAO LUIS', 'Jardim São Luís'],
  47: ['JOSE BONIFACIO', 'José Bonifácio'], 48: ['LAPA', 'Lapa'],
  49: ['LIBERDADE', 'Liberdade'], 50: ['LIMAO', 'Limão'],
  51: ['MANDAQUI', 'Mandaqui'], 52: ['MARSILAC', 'Marsilac'],
  53: ['MOOCA', 'Mooca'], 54: ['MORUMBI', 'Morumbi'],
  55: ['PARELHEIROS', 'Parelheiros'], 56: ['PARI', 'Pari'],
  57: ['PARQUE DO CARMO', 'Parque do Carmo'], 58: ['PEDREIRA', 'Pedreira'],
  59: ['PENHA', 'Penha'], 60: ['PERDIZES', 'Perdizes'],
  61: ['PERUS', 'Perus'], 62: ['PINHEIROS', 'Pinheiros'],
  63: ['PIRITUBA', 'Pirituba'], 64: ['PONTE RASA', 'Ponte Rasa'],
  65: ['RAPOSO TAVARES', 'Raposo Tavares'], 66: ['REPUBLICA', 'República'],
  67: ['RIO PEQUENO', 'Rio Pequeno'], 68: ['SACOMA', 'Sacomã'],
  69: ['SANTA CECILIA', 'Santa Cecília'], 70: ['SANTANA', 'Santana'],
  71: ['SANTO AMARO', 'Santo Amaro'], 72: ['SAO LUCAS', 'São Lucas'],
  73: ['SAO MATEUS', 'São Mateus'], 74: ['SAO MIGUEL', 'São Miguel'],
  75: ['SAO RAFAEL', 'São Rafael'], 76: ['SAPOPEMBA', 'Sapopemba'],
  77: ['SAUDE', 'Saúde'], 78: ['SE', 'Sé'],
  79: ['SOCORRO', 'Socorro'], 80: ['TATUAPE', 'Tatuapé'],
  81: ['TREMEMBE', 'Tremembé'], 82: ['TUCURUVI', 'Tucuruvi'],
  83: ['VILA ANDRADE', 'Vila Andrade'], 84: ['VILA CURUCA', 'Vila Curuçá'],
  85: ['VILA FORMOSA', 'Vila Formosa'], 86: ['VILA GUILHERME', 'Vila Guilherme'],
  87: ['VILA JACUI', 'Vila Jacuí'], 88: ['VILA LEOPOLDINA', 'Vila Leopoldina'],
  89: ['VILA MARIA', 'Vila Maria'], 90: ['VILA MARIANA', 'Vila Mariana'],
  91: ['VILA MATILDE', 'Vila Matilde'], 92: ['VILA MEDEIROS', 'Vila Medeiros'],
  93: ['VILA PRUDENTE', 'Vila Prudente'], 94: ['VILA SONIA', 'Vila Sônia'],
  95: ['SAO DOMINGOS', 'São Domingos'], 96: ['LAJEADO', 'Lajeado'],
};
const fc = JSON.parse(fs.readFileSync(src, 'utf8'));
const seen = new Set();
fc.features = fc.features.map((f) => {
  // The source writes COD_DIST "01" for Água Rasa and "2".."96" for the others:
  // normalise to the number without leading zeros, as a string ("1".."96").
  const code = String(Number(String(f.properties.COD_DIST).trim()));
  const entry = NAMES[Number(code)];
  if (!entry || entry[0] !== String(f.properties.NOME_DIST).trim()) {
    throw new Error(`unexpected district ${code} ${f.properties.NOME_DIST}`);
  }
  if (seen.has(code)) throw new Error(`duplicate district ${code}`);
  seen.add(code);
  return { type: 'Feature', properties: { code, name: entry[1] }, geometry: f.geometry };
});
if (seen.size !== 96) throw new Error(`expected 96 districts, got ${seen.size}`);
fc.features.sort((a, b) => Number(a.properties.code) - Number(b.properties.code));
fs.writeFileSync(dst, JSON.stringify(fc));
JS

# 2. Districts and boundary from one topology: the simplification works on the arcs
#    shared by neighbouring districts, so they stay gap- and overlap-free, and the
#    boundary is the dissolve of exactly those simplified arcs.
"${MS[@]}" -i "$TMP/named.geojson" name=districts \
  -simplify weighted "interval=${SIMPLIFY_INTERVAL}" keep-shapes \
  -clean \
  -o "$OUT_DIR/districts.geojson" format=geojson rfc7946 precision=0.00001 \
  -dissolve name=boundary \
  -clean \
  -each 'name="São Paulo"' \
  -o "$OUT_DIR/boundary.geojson" format=geojson rfc7946 precision=0.00001

# 3. Water: the Billings and Guarapiranga reservoir polygons, clipped to the boundary
#    written above (no further simplification: the source is already generalised).
if [[ -n "$RESERVOIRS_SRC" ]]; then
  "${MS[@]}" -i "$RESERVOIRS_SRC" name=water \
    -filter 'nome === "Billings" || nome === "Guarapiranga"' \
    -each 'name = "Represa " + nome; kind = "reservoir"' \
    -filter-fields name,kind \
    -clip "$OUT_DIR/boundary.geojson" \
    -clean \
    -sort 'name' \
    -o "$OUT_DIR/water.geojson" format=geojson rfc7946 precision=0.00001
fi

ls -l "$OUT_DIR"/*.geojson
