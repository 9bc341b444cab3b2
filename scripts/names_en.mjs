// Generates geo/beijing/names_en.csv: the English names (pinyin with the
// kind translated) of Beijing's districts and streets. Run once, by hand,
// when the adcode files change; the result is committed and checked by
// geo.TestEnglishNames. Not a build step:
//
//   npm install pinyin-pro@3.29.4 && node scripts/names_en.mjs geo/beijing
import { pinyin } from 'pinyin-pro';
import fs from 'fs';
const dir = process.argv[2];
const special = {
  '北京经济技术开发区': 'Beijing Economic-Technological Development Area',
  '中关村国家自主创新示范区大兴生物医药产业基地': 'Zhongguancun Daxing Biomedical Industry Base',
  '国家新媒体产业基地': 'National New Media Industry Base',
  '北京雁栖经济开发区': 'Beijing Yanqi Economic Development Area',
  '北京密云经济开发区': 'Beijing Miyun Economic Development Area',
  '长子营镇': 'Changziying Town', // 长 reads chang here
};
const suffixes = [
  ['街道办事处', 'Subdistrict'], ['地区办事处', 'Area'], ['满族乡', 'Manchu Ethnic Township'], ['回族乡', 'Hui Ethnic Township'], ['蒙古族乡', 'Mongolian Ethnic Township'], ['民族乡', 'Ethnic Township'],
  ['镇', 'Town'], ['乡', 'Township'], ['区', 'District'],
];
function py(s) {
  const p = pinyin(s, { toneType: 'none', type: 'array', v: true }).join('');
  return p.charAt(0).toUpperCase() + p.slice(1);
}
function en(name) {
  if (special[name]) return special[name];
  for (const [zh, e] of suffixes) {
    if (name.endsWith(zh) && name.length > zh.length) return py(name.slice(0, -zh.length)) + ' ' + e;
  }
  return py(name);
}
const out = ['code,name_en'];
for (const f of ['districts.csv', 'streets.csv']) {
  const rows = fs.readFileSync(dir + '/' + f, 'utf8').trim().split('\n').slice(1);
  for (const r of rows) {
    const [code, name] = r.split(',');
    out.push(code + ',' + en(name));
  }
}
fs.writeFileSync(dir + '/names_en.csv', out.join('\n') + '\n');
