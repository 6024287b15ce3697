/**
 * A realistic message corpus for search, written straight into a scratch database with
 * set-based SQL (never through the API): users, direct and group chats with skewed activity,
 * and messages in several languages — English, French, Spanish, German, Russian, Korean (words
 * between spaces), Chinese, Japanese and Thai (no spaces) — whose words follow a long-tailed
 * (Zipf-like) distribution, so that some words are everywhere and most are rare. Seeded: the same
 * sizes give the same corpus.
 */
import type postgres from 'postgres';

export interface CorpusSize {
  users: number;
  /** Group chats come first (low ids) and get most of the traffic; the rest are direct chats. */
  groups: number;
  directChats: number;
  messages: number;
  /** Share of messages deleted (tombstones without text). */
  deletedShare?: number;
}

const EN = `the a to and you i it is that for of in on we this be have are do not with at so just can what
  your my me will all but if about now get know was no yes ok okay like up out one there time here
  think good how see going when did today tomorrow back go let thanks great sure need then meeting
  right well also want call work later still make sounds some from really could would new day first
  more please morning night week next project team lunch dinner coffee home office weekend plan
  review update send file link check deadline release client budget report draft invoice schedule
  agenda slides demo launch ticket issue bug fix deploy server database backup migration branch
  merge build test staging production feature design mockup feedback sprint standup retro roadmap
  holiday flight hotel train airport birthday party gift movie concert game match score season
  recipe pizza pasta salad sushi burger tea juice water doctor dentist appointment pharmacy gym run
  yoga swim bike hike beach mountain lake river park garden kitchen sofa window door key car bus
  parking traffic weather rain snow sun wind cold warm hot cloud umbrella jacket shoes phone laptop
  charger battery screen camera photo video music song playlist podcast book library museum
  gallery ticket price discount sale order delivery package address receipt refund account
  password login email calendar reminder alarm note list idea question answer problem solution`;
const FR = `le la les un une et est pas je tu il elle nous vous ils on que qui quoi où quand comment
  bonjour salut merci beaucoup très bien mal oui non peut-être demain aujourd'hui hier soir matin
  réunion déjeuner dîner café thé boulangerie pâtisserie crème brûlée éclair gâteau fête anniversaire
  été hiver printemps automne forêt château église hôpital médecin école élève étudiant université
  travail bureau équipe projet réponse question problème idée voiture vélo métro gare aéroport
  hôtel plage montagne rivière ça va à bientôt déjà voilà naïve façade garçon français`;
const ES = `el la los las un una y es no sí yo tú él ella nosotros ustedes que qué cómo cuándo dónde
  hola gracias mañana hoy ayer noche tarde reunión almuerzo cena café niño niña año señor señora
  canción corazón estación información educación habitación teléfono música película fútbol
  partido fiesta cumpleaños playa montaña río ciudad país trabajo oficina equipo proyecto pregunta
  respuesta problema idea coche autobús tren avión aeropuerto hotel vacaciones perfecto genial`;
const DE = `der die das ein eine und ist nicht ich du er sie wir ihr was wie wann wo hallo danke bitte
  morgen heute gestern abend nacht besprechung mittagessen abendessen kaffee kuchen straße größe
  grüße schön müde über für können müssen möchte mädchen bäckerei brötchen frühstück geburtstag
  urlaub strand berg fluss stadt land arbeit büro mannschaft projekt frage antwort problem idee
  auto fahrrad zug flughafen hotel wochenende schlüssel fenster tür wetter regen schnee`;
const RU = `и в не на я что он с как а то все она так его но да ты к у же вы за бы по только её мне
  было вот от меня ещё нет о из ему теперь когда даже ну вдруг ли если уже или привет спасибо
  пожалуйста завтра сегодня вчера вечером утром встреча обед ужин кофе чай работа офис команда
  проект вопрос ответ проблема идея машина поезд аэропорт гостиница отпуск море горы река город
  день рождения подарок фильм концерт музыка книга погода дождь снег хорошо отлично`;
const KO = `안녕하세요 감사합니다 네 아니요 오늘 내일 어제 저녁 아침 회의 점심 저녁식사 커피 차 일 사무실
  팀 프로젝트 질문 대답 문제 생각 자동차 기차 공항 호텔 휴가 바다 산 강 도시 생일 선물 영화 음악 책
  날씨 비 눈 좋아요 괜찮아요 서울에서 부산으로 만나요 갈게요 했어요 있어요 없어요 주세요`;
const ZH = `我们 你们 他们 今天 明天 昨天 晚上 早上 中午 会议 开会 午饭 晚饭 咖啡 茶 工作 办公室 团队
  项目 问题 回答 想法 汽车 火车 飞机 机场 酒店 假期 海边 山 河 城市 北京 上海 广州 深圳 香港 台北
  东京 生日 礼物 电影 音乐 书 天气 下雨 下雪 谢谢 不客气 没问题 好的 可以 不行 知道 觉得 喜欢
  需要 已经 还是 因为 所以 但是 如果 时候 什么 怎么 为什么 哪里 多少 一起 马上 现在 刚才 等一下
  北京大学 人工智能 数据库 服务器 发布 测试 修复 周末 下周 上周 老板 客户 合同 报告 预算 邮件
  电话 微信 地铁 公交 外卖 红包 火锅 饺子 包子 米饭 面条 奶茶 的 了 是 在 有 和 就 不 也 都 吗 吧 呢`;
const JA = `今日 明日 昨日 今晩 朝 昼 夜 会議 打ち合わせ 昼ご飯 晩ご飯 コーヒー お茶 仕事 会社 チーム
  プロジェクト 質問 答え 問題 アイデア 車 電車 新幹線 飛行機 空港 ホテル 休み 海 山 川 東京 大阪
  京都 横浜 札幌 誕生日 プレゼント 映画 音楽 本 天気 雨 雪 ありがとう ございます すみません
  よろしく お願いします 大丈夫 了解 わかりました 行きます 来ます 食べます 飲みます 見ます
  ラーメン 寿司 天ぷら 焼き鳥 居酒屋 コンビニ 駅 改札 東京タワー 渋谷 新宿 週末 来週 先週
  データベース サーバー テスト リリース 修正 は が を に で と も の から まで です ます ね よ`;
const TH = `สวัสดี ขอบคุณ ครับ ค่ะ วันนี้ พรุ่งนี้ เมื่อวาน ตอนเย็น ตอนเช้า ประชุม อาหารกลางวัน
  อาหารเย็น กาแฟ ชา งาน ออฟฟิศ ทีม โครงการ คำถาม คำตอบ ปัญหา ความคิด รถ รถไฟ เครื่องบิน สนามบิน
  โรงแรม วันหยุด ทะเล ภูเขา แม่น้ำ กรุงเทพ เชียงใหม่ ภูเก็ต วันเกิด ของขวัญ หนังสือ ดนตรี อากาศ
  ฝนตก ไม่เป็นไร ได้ ไม่ได้ ไป มา กิน ดื่ม ดู ชอบ อยาก ต้อง แล้ว ยัง อะไร ที่ไหน เมื่อไหร่ ทำไม`;

const SYLLABLES = 'ka lo mi ne ru ta vi so ber gan tor lin mar del pio sen qua zel fen dor ash ric lem nov'.split(' ');

/** Thousands of made-up names and words: the long tail that makes most lexemes rare (8 % of English words). */
function tail(count: number): string[] {
  const words = new Set<string>();
  for (let i = 0; words.size < count; i++) {
    const n = 2 + (i % 3);
    let w = '';
    for (let k = 0, x = i * 2654435761; k < n; k++, x = Math.floor(x / SYLLABLES.length) + k * 7919) w += SYLLABLES[x % SYLLABLES.length];
    words.add(w);
  }
  return [...words];
}

const words = (list: string) => list.split(/\s+/).filter(Boolean);
const TAIL = tail(6000);
const TAIL_SHARE = 0.08;
/** Made-up words that a 1M-message corpus holds a few dozen times. */
export const rareWords = [TAIL[5000]!, TAIL[2500]!];

/** Where the corpus's rows start: users and chats are numbered from these, groups first. */
export interface Corpus {
  firstUser: number;
  firstChat: number;
  groups: number;
  chats: number;
}

/** Language, share of messages, vocabulary (most frequent first) and what separates words. */
export const LANGUAGES = [
  { lang: 'en', share: 0.5, vocabulary: words(EN), separator: ' ' },
  { lang: 'fr', share: 0.07, vocabulary: words(FR), separator: ' ' },
  { lang: 'es', share: 0.07, vocabulary: words(ES), separator: ' ' },
  { lang: 'de', share: 0.05, vocabulary: words(DE), separator: ' ' },
  { lang: 'ru', share: 0.05, vocabulary: words(RU), separator: ' ' },
  { lang: 'ko', share: 0.04, vocabulary: words(KO), separator: ' ' },
  { lang: 'zh', share: 0.12, vocabulary: words(ZH), separator: '' },
  { lang: 'ja', share: 0.07, vocabulary: words(JA), separator: '' },
  { lang: 'th', share: 0.03, vocabulary: words(TH), separator: '' },
] as const;

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same corpus. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** COPY's text format: NULL is \N; backslash, tab and line breaks are escaped. */
const copyValue = (v: string | number | null) =>
  v === null ? '\\N' : String(v).replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);

/** Streams rows into `table` with COPY, in chunks. */
async function copyRows(tx: postgres.TransactionSql, table: string, columns: string[], rows: Iterable<(string | number | null)[]>): Promise<void> {
  const stream = await tx.unsafe(`copy ${table} (${columns.join(', ')}) from stdin`).writable();
  let chunk = '';
  for (const row of rows) {
    chunk += row.map(copyValue).join('\t') + '\n';
    if (chunk.length > 1 << 20) {
      if (!stream.write(chunk)) await new Promise((resolve) => stream.once('drain', resolve));
      chunk = '';
    }
  }
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.end(chunk, () => resolve());
  });
}

/**
 * Fills an empty, migrated database. The search indexes are dropped during the load and built
 * again after it from their own definitions (much faster than row by row), then everything is
 * analysed. Messages are committed `batch` at a time: a writing transaction holds back the chat
 * log of every database of its server (src/chatlog/position.ts) while it runs, so a fill that
 * shares a server with live Parleys (the test suite) keeps its transactions short.
 */
export async function fillSearchCorpus(sql: postgres.Sql, size: CorpusSize, batch = size.messages): Promise<Corpus> {
  const random = prng(42);
  const chats = size.groups + size.directChats;
  const indexes = await sql<{ def: string; name: string }[]>`
    select indexname as name, indexdef as def from pg_indexes where tablename = 'messages' and indexname like 'messages_search_%'`;
  for (const i of indexes) await sql.unsafe(`drop index ${i.name}`);

  const { corpus, members } = await sql.begin(async (tx) => {
    // Ids are consecutive within one statement: the first is all a corpus needs to know.
    const [users] = await tx<{ first: number }[]>`
      with added as (
        insert into users (firstname, lastname, email, password)
        select 'User' || g, 'Corpus', 'corpus-' || g || '-' || gen_random_uuid() || '@example.com', 'not-a-password-hash'
        from generate_series(1, ${size.users}) g
        returning id)
      select min(id)::int as first from added`;
    const [chatRow] = await tx<{ first: number }[]>`
      with added as (
        insert into chats (name, is_group, direct_key)
        select case when g <= ${size.groups} then 'Group ' || g end, g <= ${size.groups},
               case when g > ${size.groups} then 'c:' || replace(gen_random_uuid()::text, '-', '') end
        from generate_series(1, ${chats}) g
        returning id)
      select min(id)::int as first from added`;
    const corpus: Corpus = { firstUser: users!.first, firstChat: chatRow!.first, groups: size.groups, chats };

    // Groups of 3 to 60 people (most of them small), direct chats of two.
    const members: number[][] = [];
    for (let c = 0; c < chats; c++) {
      const want = c < size.groups ? 3 + Math.floor(random() ** 2 * 58) : 2;
      const set = new Set<number>();
      while (set.size < want) set.add(corpus.firstUser + Math.floor(random() * size.users));
      members.push([...set]);
    }
    await copyRows(tx, 'chat_participants', ['chat_id', 'user_id', 'role'], function* () {
      for (let c = 0; c < chats; c++) for (const u of members[c]!) yield [corpus.firstChat + c, u, 'MEMBER'];
    }());
    return { corpus, members };
  });

  // Busy chats first: a message's chat is drawn with a density falling off with its number,
  // and its words with a long tail (random()^2 puts most picks on the first, most frequent words).
  const bounds = LANGUAGES.map((l, i) => LANGUAGES.slice(0, i + 1).reduce((sum, x) => sum + x.share, 0));
  const now = Date.now();
  const message = (n: number): (string | number | null)[] => {
    const c = Math.floor(random() ** 2.5 * chats);
    const chatMembers = members[c]!;
    const sender = chatMembers[Math.floor(random() * chatMembers.length)]!;
    const pick = random();
    const lang = LANGUAGES[Math.max(0, bounds.findIndex((b) => pick < b))]!;
    const length = 1 + Math.floor(random() ** 2 * 24);
    const parts: string[] = [];
    for (let k = 0; k < length; k++) {
      const list = lang.lang === 'en' && random() < TAIL_SHARE ? TAIL : lang.vocabulary;
      parts.push(list[Math.floor(random() ** 2 * list.length)]!);
    }
    const sentAt = new Date(now - (size.messages - n) * 30_000).toISOString();
    const deleted = random() < (size.deletedShare ?? 0.01);
    return [corpus.firstChat + c, sender, deleted ? null : parts.join(lang.separator), sentAt, deleted ? sentAt : null];
  };
  for (let from = 0; from < size.messages; from += batch) {
    const to = Math.min(size.messages, from + batch);
    await sql.begin((tx) =>
      copyRows(tx, 'messages', ['chat_id', 'sender_id', 'content', 'sent_at', 'deleted_at'], function* () {
        for (let n = from; n < to; n++) yield message(n);
      }()),
    );
  }

  await sql.begin(async (tx) => {
    await tx`set local maintenance_work_mem = '256MB'`;
    for (const i of indexes) await tx.unsafe(i.def);
  });
  await sql`analyze`;
  return corpus;
}
