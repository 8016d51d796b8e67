"""Words the offline planner reads Chinese, Japanese, Spanish, French and German with (data).

Each language maps its words to the English the rest of film speaks: a character noun to its
English gloss ("老船长" → "old captain", used in image prompts and for the voice's gender),
a place to a setting word of `planner_vocab.SETTINGS`, a time of day, a mood or the weather
to the planner's English cue. Entries are "native=english" pairs; Latin-script words match
whole words (lower-cased; a cue ending in "-" matches as a prefix), Chinese and Japanese ones
as substrings, longest first.
"""

from __future__ import annotations

from dataclasses import dataclass


def _pairs(text: str) -> dict[str, str]:
    out = {}
    for item in text.split():
        native, _, english = item.partition("=")
        out[native] = english.replace("_", " ")
    return out


def _cues(text: str) -> dict[str, str]:
    """"english: native native; english: ..." → native -> english."""
    out = {}
    for group in text.split(";"):
        key, _, words = group.partition(":")
        for word in words.split():
            out[word] = key.strip()
    return out


@dataclass(frozen=True)
class Lexicon:
    """One language's words for the planner."""

    nouns: dict[str, str]  # character noun -> English gloss
    modifiers: dict[str, str]  # "old", "young", "little" before a noun
    places: dict[str, str]  # -> a SETTINGS word
    times: dict[str, str]  # -> night, evening, dawn, morning, day
    moods: dict[str, str]  # -> a MOOD_CUES mood
    weather: dict[str, str]  # -> a WEATHER cue (rain, snow, fog, storm, wind)
    speech_verbs: frozenset[str]
    #: words before a name that say it is a common noun (articles), and pronouns by gender
    articles: frozenset[str] = frozenset()
    he: frozenset[str] = frozenset()
    she: frozenset[str] = frozenset()
    place_words: frozenset[str] = frozenset()


_TIMES = {
    "zh": "night: 夜 夜晚 深夜 午夜 晚上 今晚 夜里 月光 星空 夜色; evening: 黄昏 傍晚 日落 夕阳 "
          "暮色; dawn: 黎明 拂晓 破晓 日出 天亮 清晨 晨曦; morning: 早晨 早上 上午 早饭; "
          "day: 中午 白天 正午 下午 阳光 晴天",
    "ja": "night: 夜 深夜 真夜中 今夜 月明かり 星空; evening: 夕方 夕暮れ 日暮れ 夕日 黄昏 "
          "日没; dawn: 夜明け 明け方 朝焼け 日の出 暁; morning: 朝 午前 朝食; "
          "day: 昼 正午 午後 日中 晴れ",
    "es": "night: noche noches medianoche luna nocturno nocturna; evening: atardecer "
          "anochecer anochece crepúsculo ocaso tarde; dawn: amanecer amanece amaneció alba "
          "madrugada aurora; morning: mañana desayuno; day: mediodía soleado día",
    "fr": "night: nuit nuits minuit lune nocturne; evening: soir soirée crépuscule "
          "couchant; dawn: aube aurore l'aube aurore; morning: matin matinée; "
          "day: midi journée jour après-midi ensoleillé",
    "ar": "night: ليل ليلة الليل منتصف قمر; evening: مساء المساء غروب الغروب; dawn: فجر الفجر "
          "شروق الشروق; morning: صباح الصباح; day: نهار النهار ظهر الظهر",
    "de": "night: nacht nachts mitternacht mond mondlicht nächtlich; evening: abend abends "
          "abenddämmerung sonnenuntergang dämmerung; dawn: morgengrauen morgendämmerung "
          "sonnenaufgang tagesanbruch morgenröte; morning: morgen morgens vormittag frühstück; "
          "day: mittag nachmittag tag tagsüber sonnig",
}
_MOODS = {
    "zh": "tense: 危险 紧张 追赶 枪 恐惧 害怕 鲜血 逃跑 威胁; eerie: 鬼 幽灵 诡异 阴森 寂静; "
          "melancholic: 孤独 独自 眼泪 哭 悲伤 告别 失去 回忆 思念; romantic: 爱 吻 拥抱 恋人 "
          "婚礼; joyful: 笑 快乐 开心 庆祝 节日; epic: 战斗 军队 龙 战争 王国 英雄; peaceful: "
          "平静 安静 微风 花园 宁静; mysterious: 秘密 神秘 线索 侦探; hopeful: 希望 黎明 日出 "
          "开始 回家 春天",
    "ja": "tense: 危険 緊張 追い 銃 恐怖 血 逃げ 脅; eerie: 幽霊 不気味 静寂; melancholic: 孤独 "
          "ひとり 一人 涙 泣 悲し 別れ 思い出; romantic: 愛 恋 キス 抱きし 結婚; joyful: 笑 "
          "楽し 嬉し 祭り; epic: 戦 軍 竜 王国 英雄; peaceful: 穏やか 静か そよ風 庭; "
          "mysterious: 秘密 謎 探偵; hopeful: 希望 夜明け 日の出 春 帰る",
    "es": "tense: peligro- tenso- persecu- pistola miedo sangre huy- amenaz-; eerie: fantasma- "
          "extrañ- silencio-; melancholic: solo sola soledad lágrima- llora- triste- adiós "
          "perdid- recuerd-; romantic: amor beso- abraz- amante- boda corazón; joyful: ríe "
          "risa- sonríe feliz fiesta- alegr-; epic: batalla- ejército- dragón guerra- reino- "
          "héroe-; peaceful: calma tranquil- suave jardín brisa sereno; mysterious: secreto- "
          "misterio- pista- detective-; hopeful: esperanza amanec- comienz- hogar primavera",
    "fr": "tense: danger- tendu- poursui- pistolet peur sang fui- menac-; eerie: fantôme- "
          "étrange- silence-; melancholic: seul seule solitude larme- pleur- triste- adieu "
          "perdu- souvenir-; romantic: amour- baiser- embrass- amant- mariage cœur; joyful: "
          "rit rire sourit heureu- fête- joie; epic: bataille- armée- dragon- guerre- "
          "royaume- héros; peaceful: calme paisible doux douce jardin brise serein-; "
          "mysterious: secret- mystère- indice- détective-; hopeful: espoir aube commence- "
          "printemps",
    "ar": "tense: خطر خوف دم; melancholic: وحيد وحيدا وحيدة حزين دموع; hopeful: أمل فجر شروق; "
          "romantic: حب قبلة; joyful: ابتسم ابتسمت ضحك فرح",
    "de": "tense: gefahr- angespannt verfolg- pistole angst blut flieh- droh-; eerie: geist- "
          "unheimlich- stille; melancholic: allein einsam- träne- weint traurig- abschied "
          "verloren erinnerung-; romantic: liebe- kuss küss- umarm- geliebte- hochzeit herz; "
          "joyful: lacht lachen lächelt glücklich- fest freude; epic: schlacht- armee- "
          "drache- krieg- königreich- held-; peaceful: ruhig- friedlich- sanft- garten brise; "
          "mysterious: geheimnis- rätsel- hinweis- detektiv-; hopeful: hoffnung- "
          "morgengrauen beginn- heimat frühling-",
}
_WEATHER = {
    "zh": "rain: 雨 下雨 雨水; snow: 雪; fog: 雾 薄雾; storm: 暴风 风暴 雷 闪电; wind: 风",
    "ja": "rain: 雨; snow: 雪; fog: 霧 もや; storm: 嵐 雷 稲妻; wind: 風",
    "es": "rain: lluvia- llueve llovizna; snow: nieve- nieva; fog: niebla- bruma; "
          "storm: tormenta- trueno- relámpago-; wind: viento-",
    "fr": "rain: pluie- pleut bruine; snow: neige-; fog: brouillard- brume-; "
          "storm: orage- tempête- tonnerre éclair-; wind: vent venteu-",
    "ar": "rain: مطر المطر; snow: ثلج; fog: ضباب; storm: عاصفة; wind: ريح رياح",
    "de": "rain: regen- regnet; snow: schnee- schneit; fog: nebel-; "
          "storm: sturm- gewitter- donner- blitz-; wind: wind windig",
}
_PLACES = {
    "zh": "码头=harbor 港口=harbor 海边=beach 海滩=beach 大海=sea 海=sea 办公室=office 房间=room "
          "酒吧=bar 咖啡馆=cafe 餐厅=restaurant 图书馆=library 医院=hospital 街道=street 街=street "
          "小巷=alley 城市=city 屋顶=rooftop 桥=bridge 公园=park 森林=forest 树林=woods "
          "山=mountain 沙漠=desert 田野=field 草地=meadow 湖=lake 河=river 村庄=village "
          "村子=village 城堡=castle 家=home 房子=house 厨房=kitchen 灯塔=lighthouse 火车站=station "
          "车站=station 教堂=church 寺庙=temple 花园=garden 岛=island 市场=market",
    "ja": "港=harbor 波止場=pier 海辺=beach 浜辺=beach 海=sea 事務所=office オフィス=office "
          "部屋=room バー=bar 喫茶店=cafe カフェ=cafe レストラン=restaurant 図書館=library "
          "病院=hospital 通り=street 路地=alley 街=city 町=town 屋上=rooftop 橋=bridge "
          "公園=park 森=forest 山=mountain 砂漠=desert 野原=field 湖=lake 川=river 村=village "
          "城=castle 家=house 台所=kitchen 灯台=lighthouse 駅=station 教会=church 寺=temple "
          "神社=temple 庭=garden 島=island 市場=market",
    "es": "puerto=harbor muelle=pier playa=beach mar=sea océano=ocean oficina=office "
          "habitación=room cuarto=room bar=bar café=cafe cafetería=cafe restaurante=restaurant "
          "biblioteca=library hospital=hospital calle=street callejón=alley ciudad=city "
          "azotea=rooftop tejado=roof puente=bridge parque=park bosque=forest selva=jungle "
          "montaña=mountain desierto=desert campo=field prado=meadow lago=lake río=river "
          "pueblo=village aldea=village castillo=castle casa=house cocina=kitchen faro=lighthouse "
          "estación=station iglesia=church jardín=garden isla=island plaza=square "
          "mercado=market",
    "fr": "port=harbor quai=dock plage=beach mer=sea océan=ocean bureau=office chambre=bedroom "
          "pièce=room bar=bar café=cafe restaurant=restaurant bibliothèque=library "
          "hôpital=hospital rue=street ruelle=alley ville=city toit=roof pont=bridge parc=park "
          "forêt=forest bois=woods jungle=jungle montagne=mountain désert=desert champ=field "
          "prairie=meadow lac=lake rivière=river fleuve=river village=village château=castle "
          "maison=house cuisine=kitchen phare=lighthouse gare=station église=church "
          "jardin=garden île=island place=square marché=market",
    "ar": "ميناء=harbor رصيف=dock شاطئ=beach بحر=sea مكتب=office غرفة=room مقهى=cafe "
          "مطعم=restaurant مكتبة=library مستشفى=hospital شارع=street مدينة=city جسر=bridge "
          "حديقة=garden غابة=forest جبل=mountain صحراء=desert قرية=village بيت=house منزل=house "
          "مطبخ=kitchen منارة=lighthouse محطة=station مسجد=temple سوق=market جزيرة=island",
    "de": "hafen=harbor kai=dock strand=beach meer=sea ozean=ocean büro=office zimmer=room "
          "bar=bar café=cafe restaurant=restaurant bibliothek=library krankenhaus=hospital "
          "straße=street gasse=alley stadt=city dach=roof brücke=bridge park=park wald=forest "
          "dschungel=jungle berg=mountain berge=mountains wüste=desert feld=field wiese=meadow "
          "see=lake fluss=river dorf=village burg=castle schloss=castle haus=house küche=kitchen "
          "leuchtturm=lighthouse bahnhof=station kirche=church garten=garden insel=island "
          "markt=market platz=square",
}
_NOUNS = {
    "zh": "老人=old_man 老船长=old_captain 船长=captain 老渔夫=old_fisherman 渔夫=fisherman "
          "水手=sailor 小女孩=little_girl 女孩=girl 小男孩=little_boy 男孩=boy 孩子=child "
          "母亲=mother 妈妈=mother 父亲=father 爸爸=father 老妇人=old_woman 老太太=old_woman "
          "女人=woman 男人=man 侦探=detective 警察=police_officer 士兵=soldier 国王=king "
          "王后=queen 公主=princess 王子=prince 医生=doctor 护士=nurse 陌生人=stranger "
          "朋友=friend 老师=teacher 学生=student 机器人=robot 猫=cat 狗=dog 狐狸=fox 乌鸦=crow "
          "少年=boy 少女=girl 妻子=wife 丈夫=husband 奶奶=grandmother 爷爷=grandfather "
          "姐姐=sister 妹妹=sister 哥哥=brother 弟弟=brother 画家=painter 歌手=singer 司机=driver",
    "ja": "老人=old_man 船長=captain 漁師=fisherman 船乗り=sailor 女の子=girl 男の子=boy "
          "少女=girl 少年=boy 子供=child 母親=mother 父親=father おばあさん=old_woman "
          "おじいさん=old_man 老婆=old_woman 女性=woman 男性=man 探偵=detective 刑事=detective "
          "警官=police_officer 兵士=soldier 女王=queen 王女=princess 王子=prince 王=king "
          "医者=doctor 看護師=nurse 見知らぬ男=stranger 友達=friend 先生=teacher 学生=student "
          "ロボット=robot 猫=cat 犬=dog 狐=fox カラス=crow 侍=samurai 忍者=ninja 妻=wife "
          "夫=husband 母=mother 父=father 姉=sister 兄=brother 女=woman 男=man",
    "es": "viejo=old_man anciano=old_man anciana=old_woman vieja=old_woman hombre=man "
          "mujer=woman niña=girl niño=boy chica=girl chico=boy madre=mother padre=father "
          "capitán=captain pescador=fisherman marinero=sailor detective=detective "
          "policía=police_officer soldado=soldier rey=king reina=queen princesa=princess "
          "príncipe=prince médico=doctor doctora=doctor enfermera=nurse extraño=stranger "
          "desconocido=stranger amigo=friend amiga=friend maestro=teacher maestra=teacher "
          "robot=robot gato=cat perro=dog zorro=fox cuervo=crow abuela=grandmother "
          "abuelo=grandfather hija=daughter hijo=son esposa=wife marido=husband",
    "fr": "vieillard=old_man homme=man femme=woman fille=girl garçon=boy enfant=child mère=mother "
          "père=father capitaine=captain pêcheur=fisherman marin=sailor détective=detective "
          "inspecteur=inspector inspectrice=inspector policier=police_officer soldat=soldier "
          "roi=king reine=queen princesse=princess prince=prince médecin=doctor "
          "infirmière=nurse inconnu=stranger inconnue=stranger étranger=stranger ami=friend "
          "amie=friend professeur=teacher robot=robot chat=cat chien=dog renard=fox "
          "corbeau=crow grand-mère=grandmother grand-père=grandfather",
    "ar": "رجل=man امرأة=woman فتاة=girl صبي=boy طفل=child طفلة=girl أم=mother أب=father "
          "صياد=fisherman بحار=sailor قبطان=captain محقق=detective شرطي=police_officer "
          "جندي=soldier ملك=king ملكة=queen أميرة=princess أمير=prince طبيب=doctor "
          "غريب=stranger صديق=friend معلم=teacher جدة=grandmother جد=grandfather قطة=cat "
          "كلب=dog شيخ=old_man عجوز=old_man",
    "de": "mann=man frau=woman mädchen=girl junge=boy kind=child mutter=mother vater=father "
          "kapitän=captain fischer=fisherman seemann=sailor matrose=sailor detektiv=detective "
          "kommissar=inspector kommissarin=inspector polizist=police_officer soldat=soldier "
          "könig=king königin=queen prinzessin=princess prinz=prince arzt=doctor ärztin=doctor "
          "krankenschwester=nurse fremde=stranger fremder=stranger freund=friend "
          "freundin=friend lehrer=teacher lehrerin=teacher roboter=robot katze=cat hund=dog "
          "fuchs=fox krähe=crow rabe=raven großmutter=grandmother oma=grandmother "
          "großvater=grandfather opa=grandfather greis=old_man",
}
_MODIFIERS = {
    "ar": "العجوز=old عجوز=old الصغيرة=little صغيرة=little الصغير=little صغير=little "
          "الشاب=young شاب=young",
    "es": "viejo=old vieja=old anciano=old anciana=old joven=young pequeño=little "
          "pequeña=little",
    "fr": "vieil=old vieux=old vieille=old jeune=young petit=little petite=little",
    "de": "alt=old alte=old alter=old alten=old altem=old jung=young junge=young junger=young "
          "jungen=young klein=little kleine=little kleiner=little kleinen=little",
}
_VERBS = {
    "zh": "说道 说 问道 问 喊道 大喊 喊 叫道 回答 答道 笑道 叹道 嘀咕 低语 哭道",
    "ja": "言った 言う 言い 言って 叫んだ 叫ぶ 尋ねた 聞いた 答えた 囁いた ささやいた "
          "つぶやいた 呟いた 笑った 告げた",
    "es": "dice dijo pregunta preguntó grita gritó susurra susurró responde respondió contesta "
          "contestó murmura murmuró exclama exclamó añade añadió llama",
    "fr": "dit demande demanda crie cria murmure murmura répond répondit chuchote chuchota "
          "s'écrie ajoute ajouta souffle lance lança soupire appelle",
    "ar": "قال قالت يقول تقول سأل سألت صاح صاحت همس همست أجاب أجابت ردّ رد",
    "de": "sagt sagte fragt fragte ruft rief flüstert flüsterte antwortet antwortete schreit "
          "schrie murmelt murmelte meint meinte erwidert erwiderte",
}
_ARTICLES = {
    "es": "el la los las un una unos unas del al este esta su",
    "fr": "le la les l' un une des du au aux ce cette son sa",
    "de": "der die das den dem des ein eine einen einem einer eines im am zum zur vom beim "
          "sein seine ihr ihre dieser diese",
}
#: words after which a capitalised word is a place ("le port de Marseille"), not a person
_PLACE_WORDS = {
    "es": "en a de desde hacia por", "fr": "à en de du des au aux dans vers sur",
    "de": "in nach aus von bei zu", "ar": "",
}
_PRONOUNS = {
    "zh": ("他", "她"), "ja": ("彼", "彼女"), "es": ("él", "ella"), "fr": ("il", "elle"),
    "de": ("er", "sie"), "ar": ("هو", "هي"),
}


def _lexicon(lang: str) -> Lexicon:
    he, she = _PRONOUNS[lang]
    return Lexicon(
        nouns=_pairs(_NOUNS[lang]), modifiers=_pairs(_MODIFIERS.get(lang, "")),
        places=_pairs(_PLACES[lang]), times=_cues(_TIMES[lang]), moods=_cues(_MOODS[lang]),
        weather=_cues(_WEATHER[lang]), speech_verbs=frozenset(_VERBS[lang].split()),
        articles=frozenset(_ARTICLES.get(lang, "").split()),
        he=frozenset({he}), she=frozenset({she}),
        place_words=frozenset(_PLACE_WORDS.get(lang, "").split()))


LEXICONS: dict[str, Lexicon] = {lang: _lexicon(lang) for lang in _NOUNS}
