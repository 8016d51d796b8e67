"""Word lists and templates of the offline story engine (film.story.offline).

Everything here is data: name banks, genre kits (antagonists, helpers, places, props, themes,
titles), beat templates, speaking styles and line templates. Pools are tuples, never sets, so
a seeded choice is the same in every process.
"""

from __future__ import annotations

from typing import NamedTuple

# ---- names ---------------------------------------------------------------------------------

#: a small hand-written bank, mixed cultures: (first name, "f" | "m")
FIRST_NAMES: tuple[tuple[str, str], ...] = (
    ("Mara", "f"), ("Ana", "f"), ("Leila", "f"), ("Noor", "f"), ("Yuki", "f"), ("Ines", "f"),
    ("Priya", "f"), ("Sofia", "f"), ("Hana", "f"), ("Zara", "f"), ("Elena", "f"),
    ("Freya", "f"), ("Imani", "f"), ("Olga", "f"), ("Rosa", "f"), ("Talia", "f"), ("Wen", "f"),
    ("Beatriz", "f"), ("Chiara", "f"), ("Greta", "f"),
    ("Tomas", "m"), ("Kofi", "m"), ("Arjun", "m"), ("Mateo", "m"), ("Jonah", "m"),
    ("Dmitri", "m"), ("Emeka", "m"), ("Hiro", "m"), ("Idris", "m"), ("Luca", "m"),
    ("Omar", "m"), ("Rafael", "m"), ("Sven", "m"), ("Viktor", "m"), ("Bao", "m"),
    ("Caleb", "m"), ("Nikolai", "m"), ("Kenji", "m"), ("Yusuf", "m"), ("Felix", "m"),
)
FAMILY_NAMES: tuple[str, ...] = (
    "Reyes", "Okafor", "Nakamura", "Kovac", "Haddad", "Lindqvist", "Mensah", "Petrov",
    "Castillo", "Sato", "Novak", "Achebe", "Rossi", "Moreau", "Kaur", "Silva", "Brennan",
    "Tanaka", "Farouk", "Dubois", "Park", "Nguyen", "Schmidt", "Walsh", "Cohen", "Alvarez",
    "Jensen", "Hashemi", "Kowalski", "Costa", "Abara", "Vance", "Marsh", "Quinn", "Holt",
    "Varga", "Demir", "Larsen", "Chen", "Obi",
)
#: words written before a name ("Detective Sam Reyes"): the noun they give the character
TITLES: dict[str, str] = {
    "detective": "detective", "det": "detective", "inspector": "inspector",
    "captain": "captain", "capt": "captain", "doctor": "doctor", "dr": "doctor",
    "professor": "professor", "prof": "professor", "agent": "agent", "officer": "officer",
    "sergeant": "sergeant", "sgt": "sergeant", "lieutenant": "lieutenant", "lt": "lieutenant",
    "colonel": "colonel", "general": "general", "commander": "commander", "judge": "judge",
    "sister": "nun", "father": "priest", "brother": "monk", "king": "king", "queen": "queen",
    "prince": "prince", "princess": "princess", "lord": "lord", "lady": "lady", "sir": "knight",
    "mr": "", "mrs": "", "ms": "", "miss": "", "uncle": "uncle", "aunt": "aunt",
    "grandma": "grandmother", "grandpa": "grandfather", "mayor": "mayor", "senator": "senator",
}
#: famous places: a capitalised word that is one of these is a place, not a person
PLACE_NAMES: tuple[str, ...] = (
    "Paris", "London", "Tokyo", "Chicago", "Berlin", "Rome", "Cairo", "Lagos", "Mumbai",
    "Mars", "Venice", "Moscow", "Istanbul", "Havana", "Shanghai", "Mexico", "Brooklyn",
    "Manhattan", "Boston", "Vienna", "Prague", "Lisbon", "Marseille", "Naples", "Seoul",
    "Nairobi", "Sydney", "Alaska", "Texas", "Sahara", "Antarctica", "Siberia", "Europe",
    "Africa", "Asia", "America", "Jupiter", "Saturn", "Venus", "Atlantis", "Dublin", "Glasgow",
    "Oslo", "Kyoto", "Hollywood", "Vegas", "Detroit", "Montreal", "Iceland", "Scotland",
)
#: words that start a sentence without being a name
NOT_NAMES: tuple[str, ...] = (
    "a", "an", "the", "and", "but", "or", "then", "when", "while", "as", "in", "on", "at", "it",
    "he", "she", "they", "his", "her", "we", "you", "i", "after", "before", "during", "years",
    "two", "three", "four", "five", "one", "some", "every", "each", "this", "that", "these",
    "those", "once", "now", "one", "no", "nobody", "someone", "somewhere", "deep", "far", "on",
    "with", "without", "from", "to", "for", "of", "by", "into", "upon", "if", "because",
    "although", "though", "until", "lonely", "young", "old", "retired", "former", "rookie",
    "washed", "disgraced", "ambitious", "reluctant", "grieving", "aging", "ageing", "elderly",
    "teenage", "small", "little", "orphaned", "desperate", "broke", "exiled", "cursed",
    "haunted", "widowed", "blind", "deaf", "shy", "brilliant", "troubled", "struggling",
    "mysterious", "strange", "lost", "last", "first", "next", "new", "god", "ok", "monday",
    "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "christmas", "summer",
    "winter", "spring", "autumn", "fall", "tonight", "today", "tomorrow", "meanwhile", "here",
    "there", "what", "who", "why", "how", "where", "my", "our", "their", "its", "your",
)
#: people a log line may name by what they are (besides film.scenario's person nouns)
EXTRA_PERSON_NOUNS: tuple[str, ...] = (
    "keeper", "warlord", "smuggler", "assassin", "tycoon", "senator", "mayor", "landlord",
    "boss", "gangster", "mobster", "colonel", "general", "commander", "professor", "lawyer",
    "judge", "journalist", "widow", "widower", "orphan", "heir", "heiress", "murderer",
    "lieutenant", "sergeant", "medic", "healer", "prisoner", "inmate", "convict", "guide",
    "archaeologist", "historian", "librarian", "clerk", "janitor", "caretaker", "butler",
    "maid", "nanny", "gardener", "fisherwoman", "boxer", "athlete", "coach", "actor", "actress",
    "comedian", "magician", "priestess", "prophet", "rebel", "outlaw", "bounty", "mercenary",
    "sibling", "twin", "colonist", "settler", "navigator", "diver", "climber",
    "surgeon", "paramedic", "firefighter", "ranger", "activist", "architect", "banker",
    "accountant", "poet", "novelist", "psychic", "medium", "inventor", "tinkerer", "child",
    "teenager", "runaway", "stranger", "mother", "father", "grandmother", "grandfather",
)
#: nouns that make a character the opposition when the log line names them
OPPOSITION_NOUNS: tuple[str, ...] = (
    "killer", "murderer", "villain", "thief", "rival", "warlord", "assassin", "monster",
    "witch", "tyrant", "smuggler", "gangster", "mobster", "stalker", "kidnapper", "dragon",
    "ghost", "demon", "sorcerer", "sorceress", "enemy", "mercenary", "outlaw", "landlord",
    "tycoon", "boss", "captor", "hunter", "vampire", "zombie", "bully", "usurper", "traitor",
)
#: verbs after which the object is the opposition ("must stop a warlord")
OPPOSITION_VERBS: tuple[str, ...] = (
    "stop", "stops", "defeat", "defeats", "escape", "escapes", "outwit", "outwits", "catch",
    "catches", "hunt", "hunts", "evade", "evades", "expose", "exposes", "survive", "survives",
    "fight", "fights", "against", "from", "unmask", "unmasks", "outrun", "outruns", "beat",
    "beats", "confront", "confronts", "track", "tracks",
)
#: family words: what the named person is to the one before ("her brother Tomas")
KIN: dict[str, tuple[str, str, str]] = {
    # kin noun: (gender of the named person, reverse for a woman, reverse for a man)
    "brother": ("m", "sister", "brother"), "sister": ("f", "sister", "brother"),
    "father": ("m", "daughter", "son"), "mother": ("f", "daughter", "son"),
    "dad": ("m", "daughter", "son"), "mom": ("f", "daughter", "son"),
    "son": ("m", "mother", "father"), "daughter": ("f", "mother", "father"),
    "wife": ("f", "wife", "husband"), "husband": ("m", "wife", "husband"),
    "grandmother": ("f", "granddaughter", "grandson"),
    "grandfather": ("m", "granddaughter", "grandson"),
    "uncle": ("m", "niece", "nephew"), "aunt": ("f", "niece", "nephew"),
    "cousin": ("", "cousin", "cousin"), "friend": ("", "friend", "friend"),
    "partner": ("", "partner", "partner"), "mentor": ("", "protegee", "protege"),
    "boss": ("", "employee", "employee"), "rival": ("", "rival", "rival"),
    "fiance": ("m", "fiancee", "fiance"), "fiancee": ("f", "fiancee", "fiance"),
    "girlfriend": ("f", "girlfriend", "boyfriend"), "boyfriend": ("m", "girlfriend", "boyfriend"),
    "twin": ("", "twin", "twin"), "neighbor": ("", "neighbor", "neighbor"),
    "neighbour": ("", "neighbour", "neighbour"), "ex": ("", "ex", "ex"),
}
#: modals and verbs that end a log line's subject and start its goal
GOAL_OPENERS: tuple[str, ...] = (
    "must", "has to", "have to", "needs to", "need to", "wants to", "want to", "tries to",
    "try to", "sets out to", "set out to", "is forced to", "are forced to", "decides to",
    "decide to", "hopes to", "hope to", "vows to", "vow to", "races to", "race to",
    "struggles to", "struggle to", "fights to", "fight to", "is determined to", "plans to",
    "plan to", "attempts to", "attempt to", "will", "can", "could", "should", "seeks to",
    "seek to", "learns to", "learn to", "agrees to", "agree to", "sets off to", "goes to",
)
CLAUSE_BREAKS: tuple[str, ...] = (", but ", " but ", " before ", " while ", " until ",
                                  " unless ", " even as ", ", only to ", " only to ", " - ",
                                  " — ", "; ")
#: forces that can oppose a character without a face
FORCES: tuple[str, ...] = (
    "storm", "war", "plague", "flood", "fire", "winter", "curse", "tide", "famine", "drought",
    "blizzard", "hurricane", "epidemic", "virus", "earthquake", "invasion", "deadline", "debt",
    "sea", "ice", "dark", "darkness", "past", "machine", "system", "law", "clock",
)

# ---- genres --------------------------------------------------------------------------------

GENRE_CUES: dict[str, tuple[str, ...]] = {
    "crime": ("murder", "murdered", "detective", "killer", "crime", "case", "police", "heist",
              "thief", "robbery", "corrupt", "cop", "gang", "mob", "body", "evidence",
              "suspect", "investigate", "investigates", "witness", "smuggler", "inspector",
              "kidnapping", "kidnapped", "ransom", "con", "blackmail", "committed", "alibi",
              "mobster"),
    "scifi": ("space", "spaceship", "robot", "android", "planet", "alien", "aliens", "colony",
              "station", "orbit", "future", "cyborg", "ai", "starship", "galaxy", "asteroid",
              "mars", "clone", "hacker", "astronaut", "signal", "time", "machine", "lab"),
    "fantasy": ("dragon", "witch", "wizard", "kingdom", "magic", "sword", "knight", "prince",
                "princess", "sorcerer", "spell", "throne", "elf", "quest", "enchanted",
                "queen", "king", "castle"),
    "horror": ("ghost", "haunted", "demon", "monster", "zombie", "vampire", "possessed",
               "nightmare", "creature", "blood", "cursed", "curse", "seance", "exorcism"),
    "romance": ("love", "falls", "wedding", "bride", "groom", "heart", "lover", "lovers",
                "romance", "marry", "kiss", "date", "sweetheart", "ex"),
    "family": ("mother", "father", "brother", "sister", "son", "daughter", "family",
               "inheritance", "grandmother", "grandfather", "home", "funeral", "siblings",
               "twins", "reunion", "estranged"),
    "adventure": ("treasure", "island", "expedition", "jungle", "mountain", "journey", "map",
                  "explorer", "voyage", "sea", "ship", "storm", "lighthouse", "desert",
                  "summit", "shipwreck", "wilderness", "escape"),
    "war": ("war", "soldier", "soldiers", "battle", "army", "front", "enemy", "resistance",
            "occupied", "siege", "regiment", "trenches"),
}
#: the genre when no cue is found
DEFAULT_GENRE = "drama"


class PlaceKit(NamedTuple):
    name: str
    interior: bool
    description: str
    visual: str


class GenreKit(NamedTuple):
    antagonists: tuple[tuple[str, str], ...]      # (noun, who they are)
    helpers: tuple[str, ...]                       # supporting character nouns
    places: tuple[PlaceKit, ...]
    props: tuple[str, ...]                         # clues and objects scenes turn on
    themes: tuple[str, ...]
    title_words: tuple[str, ...]                   # nouns for titles
    force: str                                     # what presses when nobody does
    clothing: str                                  # default clothes


def _p(name: str, interior: bool, description: str, visual: str) -> PlaceKit:
    return PlaceKit(name, interior, description, visual)


GENRES: dict[str, GenreKit] = {
    "crime": GenreKit(
        antagonists=(("suspect", "a suspect who always seems one step ahead"),
                     ("captain", "a precinct captain with something to bury"),
                     ("fixer", "a fixer who cleans up other people's crimes")),
        helpers=("partner", "witness", "medical examiner", "informant", "bartender"),
        places=(
            _p("Precinct Office", True, "A cramped squad room where the case files pile up.",
               "steel desks buried in files, a corkboard of photographs, a green-shaded lamp"),
            _p("Interrogation Room", True, "A bare room where the truth is bargained for.",
               "a scarred table, two chairs, a one-way mirror, a single hanging bulb"),
            _p("Rain-Soaked Alley", False, "A narrow alley behind the crime scene.",
               "wet cobblestones, flickering neon, overflowing bins, steam from a grate"),
            _p("City Morgue", True, "Cold drawers and colder answers.",
               "white tiles, steel drawers, a sheeted body under surgical light"),
            _p("Waterfront Bar", True, "A bar where cops and crooks drink side by side.",
               "a long scratched counter, amber bottles, smoke curling under low lamps"),
            _p("Parking Garage Roof", False, "The top deck of a garage above the city.",
               "bare concrete, sodium lights, the skyline glittering beyond the rail"),
        ),
        props=("the victim's notebook", "a bloodstained cufflink", "the missing case file",
               "a voicemail from that night", "a pawn ticket", "the victim's keys",
               "a torn photograph", "the security tape", "a matchbook from a motel",
               "the coroner's report"),
        themes=("the truth we hide from ourselves", "guilt and the price of justice",
                "loyalty against the law"),
        title_words=("Confession", "Alibi", "Witness", "Verdict", "Evidence", "Night Shift"),
        force="the truth", clothing="a dark overcoat over a rumpled suit"),
    "scifi": GenreKit(
        antagonists=(("commander", "a station commander who follows orders to the letter"),
                     ("director", "a corporate director who owns the mission"),
                     ("android", "an android with its own idea of the mission")),
        helpers=("engineer", "medic", "navigator", "technician", "pilot"),
        places=(
            _p("Command Deck", True, "The nerve centre of the station.",
               "curved consoles, a wide viewport full of stars, blinking status lights"),
            _p("Engine Room", True, "Where the ship's heart hums and overheats.",
               "pipes and conduits, a glowing reactor core, warning lights strobing amber"),
            _p("Airlock", True, "The thin door between the crew and the void.",
               "a round hatch, frosted glass, pressure gauges, suits on hooks"),
            _p("Hydroponics Bay", True, "Rows of green under artificial sun.",
               "racks of plants under violet grow-lamps, dripping irrigation lines"),
            _p("Crater Field", False, "The dead surface outside the base.",
               "grey dust, jagged crater rims, a huge planet hanging in a black sky"),
            _p("Crew Quarters", True, "Bunks, lockers and what is left of privacy.",
               "narrow bunks, taped-up photographs, a porthole of slow-turning stars"),
        ),
        props=("the corrupted log", "a signal no one can decode", "the override key",
               "the last oxygen canister", "a cracked data chip", "the captain's access card",
               "the damaged beacon", "a message from Earth", "the quarantine seal",
               "the navigation core"),
        themes=("what makes us human", "the cost of survival", "trust in the machines we made"),
        title_words=("Signal", "Orbit", "Silence", "Horizon", "Drift", "Relay"),
        force="the failing station", clothing="a grey flight suit with mission patches"),
    "fantasy": GenreKit(
        antagonists=(("usurper", "a usurper who took the throne by a lie"),
                     ("sorcerer", "a sorcerer who bargains in memories"),
                     ("knight", "a knight sworn to bring the runaway back")),
        helpers=("squire", "healer", "mapmaker", "innkeeper", "apprentice"),
        places=(
            _p("Throne Room", True, "Where the crown's decisions are made and unmade.",
               "tall banners, a cold stone throne, torchlight on polished floors"),
            _p("Forest Shrine", False, "An old shrine the forest has half swallowed.",
               "moss-covered stones, hanging lanterns, roots curling over an altar"),
            _p("Village Inn", True, "Warm, loud, and full of listening ears.",
               "a roaring hearth, long wooden tables, tankards and a lute on the wall"),
            _p("Castle Battlements", False, "The walls above the sleeping kingdom.",
               "crenellated stone, flapping pennants, the valley spread out below"),
            _p("Tower Library", True, "Books older than the kingdom.",
               "spiral shelves, candles in iron holders, a map spread across a desk"),
            _p("Mountain Pass", False, "The only road out of the kingdom.",
               "snow on broken rock, a narrow trail, wind-bent pines"),
        ),
        props=("the broken seal", "a map drawn in blood", "the stolen crown",
               "a letter from the old queen", "the last vial of the cure", "a silver key",
               "the prophecy scroll", "a cracked amulet", "the heir's signet ring",
               "a dragon's tooth"),
        themes=("the weight of a crown", "courage is chosen, not born", "old debts come due"),
        title_words=("Crown", "Oath", "Ember", "Thorn", "Heir", "Spell"),
        force="the curse", clothing="a travel-stained cloak over a linen tunic"),
    "horror": GenreKit(
        antagonists=(("caretaker", "a caretaker who knows what lives in the walls"),
                     ("priest", "a priest who lost his faith in the same house"),
                     ("neighbor", "a neighbor who smiles too long")),
        helpers=("medium", "sibling", "handyman", "skeptic", "child"),
        places=(
            _p("Upstairs Hallway", True, "A long hallway of closed doors.",
               "peeling wallpaper, a runner rug, a single window at the far end"),
            _p("Cellar", True, "The part of the house nobody goes down to.",
               "damp brick, a bare bulb, shelves of dusty jars, a locked trunk"),
            _p("Overgrown Garden", False, "What is left of the garden behind the house.",
               "dead roses, a cracked fountain, a swing moving without wind"),
            _p("Nursery", True, "A child's room nobody has slept in for years.",
               "a rocking chair, faded animal wallpaper, a cot draped in a sheet"),
            _p("Family Chapel", True, "A cold chapel at the edge of the grounds.",
               "wooden pews, snuffed candles, a stained-glass window with a missing face"),
            _p("Lake Shore", False, "Black water at the bottom of the hill.",
               "reeds in fog, a rotting jetty, a rowboat tied to nothing"),
        ),
        props=("an old photograph", "the music box", "a key with no lock",
               "the previous owner's diary", "scratches on the door", "a child's drawing",
               "the tape recorder", "a wedding ring in the drain", "the mirror's crack",
               "a name carved in the wall"),
        themes=("grief that will not stay buried", "what families refuse to say",
                "the past is never past"),
        title_words=("Hollow", "Whisper", "Lullaby", "Cellar", "Threshold", "Visitor"),
        force="whatever haunts the house", clothing="a heavy knit sweater and worn jeans"),
    "romance": GenreKit(
        antagonists=(("ex", "an ex who never quite left"),
                     ("rival", "a charming rival with a better offer"),
                     ("parent", "a parent with other plans")),
        helpers=("best friend", "roommate", "sister", "barista", "neighbor"),
        places=(
            _p("Corner Cafe", True, "A small cafe where everyone knows the orders.",
               "fogged windows, mismatched chairs, a chalkboard menu, steam from cups"),
            _p("Rooftop Garden", False, "A garden above the noise of the city.",
               "string lights, potted lemon trees, the skyline at golden hour"),
            _p("Bookshop", True, "A shop of second-hand books and second chances.",
               "towering shelves, a rolling ladder, a sleeping cat on the counter"),
            _p("Train Platform", False, "Where people arrive and leave.",
               "a long platform, a departures board, rain dripping from the canopy"),
            _p("Small Apartment", True, "Too small for two, big enough for a life.",
               "a narrow kitchen, plants on the sill, photographs on the fridge"),
            _p("Wedding Hall", True, "A hall dressed for someone else's happy day.",
               "round tables, white flowers, fairy lights over a dance floor"),
        ),
        props=("the unsent letter", "a ring in a coat pocket", "two train tickets",
               "an old voicemail", "a borrowed scarf", "the wedding invitation",
               "a mixtape", "the spare key", "a photograph from that summer",
               "a note in a library book"),
        themes=("love asks us to risk the life we know", "timing and courage",
                "choosing someone is a daily act"),
        title_words=("Summer", "Promise", "Letters", "Platform", "Season", "Spare Key"),
        force="bad timing", clothing="a soft sweater and a long coat"),
    "family": GenreKit(
        antagonists=(("uncle", "an uncle who wants to sell everything"),
                     ("landlord", "a landlord who wants them out by Friday"),
                     ("father", "an estranged father who came back too late")),
        helpers=("neighbor", "cousin", "family friend", "grandmother", "doctor"),
        places=(
            _p("Family Kitchen", True, "The heart of the house, where every argument starts.",
               "a scrubbed wooden table, chipped mugs, a window over the yard"),
            _p("Back Porch", False, "Where the family talks when the kitchen gets too loud.",
               "sagging steps, two folding chairs, fields running to the horizon"),
            _p("Hospital Corridor", True, "Plastic chairs and bad news.",
               "pale green walls, humming lights, a vending machine glowing at the end"),
            _p("Childhood Bedroom", True, "A room kept exactly as it was left.",
               "faded posters, a single bed, trophies gathering dust"),
            _p("Town Cemetery", False, "Where the family's names are carved.",
               "leaning headstones, an old oak, wet grass under a low sky"),
            _p("Old Garage", True, "Tools, boxes and a car that never runs.",
               "oil-stained floor, pegboard of tools, a tarp over an old car"),
        ),
        props=("the will", "a box of old letters", "the house keys", "mother's recipe book",
               "a photo album", "the unpaid bills", "father's watch", "a hospital bracelet",
               "the deed to the farm", "a birthday card never sent"),
        themes=("the ties that hold a family together", "forgiveness comes late",
                "home is the people, not the house"),
        title_words=("Homecoming", "Inheritance", "Harvest", "Porch Light", "Kin", "Tides"),
        force="time running out", clothing="a faded work shirt and boots"),
    "adventure": GenreKit(
        antagonists=(("rival", "a rival treasure hunter with better funding"),
                     ("smuggler", "a smuggler who owns the only boat"),
                     ("captain", "a captain who wants the prize for himself")),
        helpers=("guide", "navigator", "deckhand", "cartographer", "cook"),
        places=(
            _p("Harbour", False, "A crowded harbour where every voyage starts.",
               "rocking fishing boats, stacked crates, gulls over green water"),
            _p("Ship's Cabin", True, "A tight cabin that smells of salt and lamp oil.",
               "a swinging lantern, charts pinned to the table, a porthole of grey sea"),
            _p("Cliff Path", False, "A narrow path above the breaking sea.",
               "crumbling edge, wind-flattened grass, waves exploding far below"),
            _p("Jungle Camp", False, "A camp hacked out of the green.",
               "hammocks between trees, a smoking fire, vines dripping with rain"),
            _p("Sea Cave", True, "A cave that floods when the tide returns.",
               "wet black rock, shafts of light, a pool glowing turquoise"),
            _p("Mountain Ridge", False, "The knife edge before the summit.",
               "snow cornices, prayer flags snapping, clouds far below"),
        ),
        props=("the torn map", "a brass compass", "the last rope", "the captain's log",
               "a coin from the wreck", "the radio", "the water flask", "a flare gun",
               "the expedition journal", "a carved idol"),
        themes=("what we risk for what we want", "the journey changes the traveller",
                "trust on the edge of the world"),
        title_words=("Tide", "Crossing", "Summit", "Wreck", "Compass", "Horizon"),
        force="the weather", clothing="a weatherproof jacket and heavy boots"),
    "war": GenreKit(
        antagonists=(("colonel", "a colonel who counts men as numbers"),
                     ("officer", "an enemy officer who is not so different"),
                     ("informer", "an informer inside the village")),
        helpers=("medic", "radio operator", "private", "farmer", "nurse"),
        places=(
            _p("Field Tent", True, "A command tent behind the lines.",
               "maps weighed down with shell casings, a field radio, a swinging lamp"),
            _p("Trench Line", False, "Mud and waiting.",
               "duckboards in brown water, sandbags, barbed wire against a grey dawn"),
            _p("Bombed Church", True, "A church with half its roof gone.",
               "broken pews, a crater in the nave, light falling through the rafters"),
            _p("Farmhouse Cellar", True, "Where the family hides what it can.",
               "low beams, potato sacks, a trapdoor and a single candle"),
            _p("Border Bridge", False, "The last bridge before the front.",
               "a stone bridge, a checkpoint barrier, a river swollen with rain"),
            _p("Field Hospital", True, "Too many cots, not enough hands.",
               "rows of cots, blood-spotted sheets, a nurse's lamp moving between them"),
        ),
        props=("the sealed orders", "a letter home", "the radio codes", "a stolen uniform",
               "the last morphine", "a child's shoe", "the map of the minefield",
               "dog tags", "a photograph of a wife", "the white flag"),
        themes=("what war makes of ordinary people", "mercy in the wrong place",
                "orders against conscience"),
        title_words=("Ceasefire", "Front", "Bridge", "Armistice", "Orders", "Winter"),
        force="the war", clothing="a mud-stained uniform and a helmet strap loose"),
    "drama": GenreKit(
        antagonists=(("rival", "a rival who wants the same thing"),
                     ("boss", "a boss who holds all the cards"),
                     ("stranger", "a stranger who knows too much")),
        helpers=("friend", "neighbor", "colleague", "sister", "mentor"),
        places=(
            _p("Small Apartment", True, "A cramped apartment full of unopened mail.",
               "a sagging couch, a cluttered kitchen counter, blinds striping the light"),
            _p("Night Diner", True, "The diner that never closes.",
               "red vinyl booths, a long counter, coffee pots under a buzzing sign"),
            _p("City Street", False, "A busy street that does not stop for anyone.",
               "crowded pavement, traffic lights, shop windows glowing in the rain"),
            _p("Office", True, "Glass walls and quiet pressure.",
               "rows of desks, a glass-walled corner office, a dying plant"),
            _p("Riverside Bench", False, "A bench by the river, for hard conversations.",
               "a cast-iron bench, slow brown water, bare trees along the bank"),
            _p("Bus Station", True, "Departures, arrivals and people in between.",
               "plastic seats, a flickering timetable, a vending machine"),
        ),
        props=("the letter", "an envelope of cash", "the job offer", "a set of keys",
               "an old photograph", "the phone message", "a ticket out of town",
               "the eviction notice", "a borrowed car", "the test results"),
        themes=("second chances come at a price", "pride against need",
                "the lies that hold a life together"),
        title_words=("Letter", "Crossing", "Last Bus", "Promise", "Distance", "Return"),
        force="the deadline", clothing="a worn jacket over a plain shirt"),
}

#: place words of a log line and the rooms they hold (name, interior, description, visual)
PLACE_PARTS: dict[str, tuple[PlaceKit, ...]] = {
    "lighthouse": (
        _p("Lighthouse Kitchen", True, "The keepers' kitchen at the foot of the tower.",
           "a cast-iron stove, oilskins on hooks, a salt-streaked window over the sea"),
        _p("Lamp Room", True, "The glass room at the top of the tower.",
           "the great brass lens, rain on curved glass, the beam sweeping the dark"),
        _p("Lighthouse Gallery", False, "The iron balcony ringing the lamp.",
           "a rusted railing, spray flying up the tower, black waves far below")),
    "ship": (
        _p("Ship's Bridge", True, "Where the ship is steered and argued over.",
           "a wooden wheel, brass instruments, rain lashing the bridge windows"),
        _p("Cargo Hold", True, "The dark belly of the ship.",
           "lashed crates, swinging lamps, water sloshing across the boards"),
        _p("Main Deck", False, "The open deck, exposed to everything.",
           "coiled ropes, a heaving horizon, spray over the rail")),
    "station": (
        _p("Station Control Room", True, "The room where the station is run.",
           "banks of screens, coffee-stained consoles, a map of the network"),
        _p("Station Platform", False, "A long platform under a high roof.",
           "a long platform, a departures board, pigeons in the iron rafters")),
    "office": (
        _p("Office", True, "Desks, files and the hum of the lights.",
           "steel desks, filing cabinets, blinds half-drawn over the street"),
        _p("Records Room", True, "Where the old files go to be forgotten.",
           "shelves of boxes, a dusty light, a ladder against the stacks")),
    "forest": (
        _p("Forest Clearing", False, "A clearing deep in the trees.",
           "a ring of tall pines, shafts of light, a fallen trunk furred with moss"),
        _p("Hunter's Hut", True, "A one-room hut at the forest edge.",
           "a plank table, traps on the wall, a small iron stove")),
    "city": (
        _p("City Street", False, "A street that never sleeps.",
           "wet asphalt, neon signs, crowds under umbrellas"),
        _p("Rooftop", False, "A rooftop above the city lights.",
           "water tanks, gravel, the skyline spread out in every direction")),
    "house": (
        _p("Living Room", True, "The room the family gathers in, or avoids.",
           "a worn sofa, family photographs, a clock ticking on the mantel"),
        _p("Front Porch", False, "The porch facing the road.",
           "peeling paint, a creaking swing, a dirt road running to the horizon")),
    "hospital": (
        _p("Hospital Ward", True, "A ward of curtains and monitors.",
           "curtained beds, beeping monitors, a window of grey morning"),
        _p("Hospital Corridor", True, "Plastic chairs and bad news.",
           "pale green walls, humming lights, a vending machine at the end")),
    "island": (
        _p("Island Beach", False, "The beach where everyone washed up.",
           "white sand, driftwood, a line of palms bent by the wind"),
        _p("Island Camp", False, "A camp made from wreckage.",
           "a tarp shelter, a signal fire, crates from the wreck")),
    "school": (
        _p("Classroom", True, "Rows of desks and a chalkboard.",
           "scratched desks, a chalkboard of equations, tall windows"),
        _p("School Yard", False, "The yard behind the school.",
           "a cracked basketball court, a chain-link fence, a lone tree")),
    "farm": (
        _p("Farmhouse Kitchen", True, "A farmhouse kitchen with muddy boots by the door.",
           "a long table, jars of preserves, fields through the window"),
        _p("Barn", True, "The old barn, smelling of hay.",
           "hay bales, a tractor, light through the slats")),
    "castle": (
        _p("Great Hall", True, "The castle's hall of feasts and judgements.",
           "long tables, a huge hearth, banners on the walls"),
        _p("Castle Courtyard", False, "The courtyard inside the walls.",
           "a well, wet flagstones, guards on the walls above")),
}
#: place words → the kit used when the word has no rooms above (interior from SETTINGS)
PLACE_VISUALS: dict[bool, tuple[str, ...]] = {
    True: ("worn floorboards, a single window, one lamp throwing long shadows",
           "bare walls, a cluttered table, light from a doorway left ajar",
           "faded paint, mismatched furniture, dust turning in a shaft of light"),
    False: ("open sky, wind moving through everything, a long view to the horizon",
            "a path worn into the ground, weathered fences, clouds racing overhead",
            "wet ground, scattered debris, distant lights beyond"),
}

# ---- people --------------------------------------------------------------------------------

TRAITS: dict[str, tuple[str, ...]] = {
    "protagonist": ("stubborn", "observant", "loyal", "haunted", "resourceful", "impatient",
                    "honest to a fault", "guarded", "determined", "self-doubting"),
    "antagonist": ("calculating", "charming", "ruthless", "patient", "proud", "controlled",
                   "persuasive", "secretive", "wounded", "certain"),
    "supporting": ("warm", "anxious", "sardonic", "practical", "curious", "gossipy",
                   "protective", "naive", "tired", "funny"),
}
FEARS: dict[str, tuple[str, ...]] = {
    "protagonist": ("failing the people who count on them", "being alone at the end",
                    "turning out like their father", "the dark water", "losing control",
                    "that it was all for nothing"),
    "antagonist": ("being exposed", "losing what they built", "being ordinary",
                   "anyone seeing the cracks", "the past catching up"),
    "supporting": ("being left behind", "getting caught in the middle", "hospitals",
                   "saying the wrong thing", "being forgotten", "crowds"),
}
BACKSTORY_EVENTS: tuple[str, ...] = (
    "left home at seventeen and never went back",
    "lost someone close in an accident nobody explains",
    "once took the blame for a friend's mistake",
    "still owes money to the wrong people",
    "walked away from a marriage without a word",
    "was the only survivor of a bad night years ago",
    "built a career on a lie nobody has found out",
    "raised a younger sibling alone",
    "came back to town after ten years away",
    "keeps a promise made at a deathbed",
)
SECRETS: tuple[str, ...] = (
    "keeps a letter they have never opened",
    "has not slept a full night in a year",
    "still carries a photograph they pretend not to care about",
    "knows more about the past than they admit",
    "is quietly planning to leave",
    "once saw something they were never meant to see",
)
BUILDS: tuple[str, ...] = ("lean", "broad-shouldered", "slight", "stocky", "tall and wiry",
                           "compact", "heavyset", "willowy")
HAIR: tuple[str, ...] = (
    "short grey hair", "a long black braid", "cropped auburn hair", "a shaved head",
    "curly dark hair", "thinning sandy hair", "silver hair pulled back", "a messy brown mop",
    "straight black hair to the shoulders", "close-cut greying curls", "red hair in a bun",
)
ACCESSORIES: tuple[str, ...] = (
    "a battered wristwatch", "a silver ring", "wire-rimmed glasses", "a knitted scarf",
    "a leather satchel", "a pocket notebook", "a faded tattoo on the wrist",
    "a worn wedding band", "a small gold cross", "a chipped enamel pin", "a cheap lighter",
    "a red woollen hat",
)
ANTAGONIST_CLOTHES: tuple[str, ...] = (
    "an immaculate charcoal suit", "a long dark coat buttoned to the throat",
    "a tailored black jacket", "an expensive camel coat",
)
ANTAGONIST_ACCESSORIES: tuple[str, ...] = ("a signet ring", "leather gloves",
                                           "a gold pocket watch", "tinted glasses")
#: what a named character is when the log line only names a place ("the lighthouse")
PLACE_NOUNS: dict[str, str] = {
    "lighthouse": "lighthouse keeper", "ship": "sailor", "boat": "fisherman", "farm": "farmer",
    "hospital": "nurse", "school": "teacher", "office": "clerk", "forest": "ranger",
    "castle": "guard", "island": "castaway", "station": "station hand", "diner": "waitress",
    "bar": "bartender", "library": "librarian", "museum": "curator", "church": "caretaker",
    "hotel": "night porter", "prison": "guard", "courtroom": "lawyer", "lab": "scientist",
    "laboratory": "scientist", "theater": "actor", "theatre": "actor", "studio": "painter",
    "restaurant": "cook", "vineyard": "winemaker", "ranch": "rancher", "mine": "miner",
}
#: clothes by what the character is
NOUN_CLOTHES: dict[str, str] = {
    "detective": "a rumpled trench coat over a dark suit", "inspector": "a grey raincoat",
    "nurse": "pale blue scrubs under a cardigan", "doctor": "a white coat over a creased shirt",
    "captain": "a pressed uniform with captain's bars", "keeper": "an oilskin coat and heavy boots",
    "sailor": "a thick fisherman's sweater", "fisherman": "yellow oilskins",
    "soldier": "faded fatigues", "scientist": "a lab coat with ink-stained pockets",
    "priest": "a black cassock", "nun": "a grey habit", "pilot": "a leather flight jacket",
    "astronaut": "a grey flight suit with mission patches", "chef": "a stained chef's jacket",
    "officer": "a dark uniform", "cop": "a dark uniform", "policeman": "a dark uniform",
    "agent": "a tailored dark suit", "spy": "a tailored dark suit",
    "thief": "a dark hoodie and fingerless gloves", "farmer": "a patched work shirt and boots",
    "knight": "dented plate armour under a travel cloak", "witch": "layered dark robes",
    "wizard": "a patched blue robe", "teacher": "a tweed jacket", "student": "a hoodie",
    "journalist": "a rumpled blazer", "reporter": "a rumpled blazer",
    "lawyer": "a sharp grey suit", "musician": "a worn denim jacket",
    "engineer": "grease-stained coveralls", "mechanic": "grease-stained coveralls",
    "medic": "a field jacket with a red cross armband", "king": "a fur-trimmed robe",
    "queen": "a dark velvet gown", "prince": "a fine but travel-worn doublet",
    "princess": "a plain cloak over a fine dress", "monk": "a rough brown habit",
    "hacker": "a black hoodie", "bartender": "rolled shirtsleeves and an apron",
    "waitress": "a diner uniform", "waiter": "a white shirt and black apron",
    "surgeon": "green scrubs", "ranger": "a khaki ranger's uniform",
    "commander": "a pressed command uniform", "colonel": "a decorated officer's uniform",
    "caretaker": "a moth-eaten cardigan", "cowboy": "a dusty hat and a denim jacket",
    "pirate": "a salt-stained coat", "samurai": "a dark kimono and hakama",
}
CHILD_NOUNS: tuple[str, ...] = ("child", "kid", "boy", "girl", "orphan", "runaway", "teenager")
OLD_NOUNS: tuple[str, ...] = ("grandmother", "grandfather", "grandma", "grandpa", "widow",
                              "widower", "hermit", "elderly")
MACHINE_NOUNS: tuple[str, ...] = ("robot", "android", "cyborg", "droid", "automaton", "ai")


class Style(NamedTuple):
    """How a character talks: the word limit of a line, words before it, how it ends."""

    name: str
    limit: int                           # words per line
    fillers: tuple[str, ...]             # said before the line now and then
    extend: float                        # how often a line gets its second sentence
    formal: bool = False                 # no contractions
    parentheticals: tuple[str, ...] = ()


STYLES: dict[str, Style] = {s.name: s for s in (
    Style("clipped, dry", 8, (), 0.1, parentheticals=("flat", "not looking up")),
    Style("plain, earnest", 12, ("Look,",), 0.5, parentheticals=("quietly", "steady")),
    Style("blunt, loud", 10, ("Hey.", "Listen!"), 0.3, parentheticals=("too loud",)),
    Style("warm, rambling", 16, ("You know,", "Honestly,", "Oh, love,"), 0.9,
          parentheticals=("gently", "laughing a little")),
    Style("nervous, halting", 13, ("I- I mean,", "Sorry, but", "Okay. Okay."), 0.6,
          parentheticals=("too fast", "wringing hands")),
    Style("sardonic, quick", 12, ("Oh, wonderful.", "Sure.", "Great."), 0.5,
          parentheticals=("dry", "eyebrow raised")),
    Style("gentle, hesitant", 13, ("Please.", "Maybe...", "I'm sorry, but"), 0.5,
          parentheticals=("softly", "barely audible")),
    Style("smooth, measured", 13, ("Let me be clear.", "Careful."), 0.5,
          parentheticals=("smiling", "unhurried")),
    Style("cold, quiet", 9, (), 0.2, parentheticals=("very still", "almost kind")),
    Style("formal, precise", 13, ("With respect,", "Forgive me,"), 0.4, formal=True,
          parentheticals=("precisely", "a small bow")),
)}
ROLE_STYLES: dict[str, tuple[str, ...]] = {
    "protagonist": ("clipped, dry", "plain, earnest", "blunt, loud"),
    "antagonist": ("smooth, measured", "cold, quiet", "formal, precise"),
    "supporting": ("warm, rambling", "nervous, halting", "sardonic, quick", "gentle, hesitant"),
}
#: words in a written speaking style → the nearest built-in style
STYLE_CUES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("clipped", "terse", "short", "laconic", "dry", "curt"), "clipped, dry"),
    (("rambl", "chatty", "warm", "verbose", "talkative"), "warm, rambling"),
    (("nervous", "halting", "stammer", "stutter", "anxious"), "nervous, halting"),
    (("sardonic", "sarcastic", "wry", "witty", "quick"), "sardonic, quick"),
    (("formal", "precise", "polite", "archaic", "courtly"), "formal, precise"),
    (("smooth", "measured", "silken", "charming"), "smooth, measured"),
    (("cold", "quiet", "menac", "icy", "whisper"), "cold, quiet"),
    (("blunt", "loud", "gruff", "brash"), "blunt, loud"),
    (("gentle", "soft", "hesitant", "shy", "timid"), "gentle, hesitant"),
)
CONTRACTIONS: tuple[tuple[str, str], ...] = (
    ("I've got", "I have"), ("won't", "will not"), ("can't", "cannot"), ("don't", "do not"),
    ("didn't", "did not"),
    ("isn't", "is not"), ("I'm", "I am"), ("you're", "you are"), ("You're", "You are"),
    ("it's", "it is"), ("It's", "It is"), ("that's", "that is"), ("That's", "That is"),
    ("I've", "I have"), ("we're", "we are"), ("We're", "We are"), ("Here's", "Here is"),
    ("there's", "there is"), ("There's", "There is"), ("you'll", "you will"),
    ("I'll", "I will"), ("Don't", "Do not"), ("doesn't", "does not"), ("wasn't", "was not"),
    ("Nobody's", "Nobody is"), ("We'll", "We will"), ("we'll", "we will"),
    ("shouldn't", "should not"), ("haven't", "have not"), ("aren't", "are not"),
    ("Let's", "Let us"), ("let's", "let us"), ("you've", "you have"),
)

# ---- beats ---------------------------------------------------------------------------------


class BeatKit(NamedTuple):
    """A beat of the template: where it sits (0-1), its act in three acts, what it is for,
    and the scene it becomes: the beat sentence, the goal, the conflict, the outcome.

    Slots: {P} protagonist, {X} who drives the scene, {Y} who opposes them, {A} antagonist,
    {S} a supporting character, {place}, {prop} (a clue of this scene), {goal} (the
    protagonist's aim, a bare verb phrase), {obj} (what the story turns on), {force},
    {theme}."""

    name: str
    position: float
    act: int
    purpose: str
    beat: str
    goal: str
    conflict: str
    outcome: str
    cast: str          # who is there: "PA", "PS", "AS" (no protagonist), "PAS"


BEATS: tuple[BeatKit, ...] = (
    BeatKit("Opening Image", 0.01, 1, "the world before it changes",
            "In {place}, {P} keeps the old routine going, unaware that {obj} is about to "
            "change everything.",
            "{X} wants to get through the day without touching {prop}.",
            "{Y} pushes {prop} across the table and won't let {X} ignore it.",
            "{X} pockets {prop}, unsettled, and says nothing.", "PS"),
    BeatKit("Theme Stated", 0.05, 1, "someone says what the story is about",
            "{Y} tells {P}, half joking, what this is really about: {theme}.",
            "{X} wants {Y} to drop the subject of {prop}.",
            "{Y} keeps pressing: {prop} means more than {X} admits.",
            "{X} laughs it off, but the words stay.", "PS"),
    BeatKit("Set-Up", 0.06, 1, "the people, the place, what is missing",
            "In {place}, we see what {P} has and what {P} lacks, and who stands in the way.",
            "{X} wants to keep {prop} out of {Y}'s hands.",
            "{Y} needs {prop} too, and says so.",
            "They part on a promise neither means to keep.", "PS"),
    BeatKit("Catalyst", 0.11, 1, "the event that starts the story",
            "{prop_cap} turns up in {place} and drags {P} into {obj}.",
            "{X} wants {Y} to explain {prop}.",
            "{Y} denies ever seeing {prop} and warns {X} off.",
            "{X} decides to {goal}, whatever it costs.", "PA"),
    BeatKit("Debate", 0.17, 1, "should the hero go?",
            "{P} argues with {S} about whether to {goal} at all.",
            "{X} wants {Y}'s blessing to follow {prop}.",
            "{Y} refuses: going after {prop} will ruin them both.",
            "{X} leaves {place} with {prop} and without {Y}'s blessing.", "PS"),
    BeatKit("Break into Two", 0.23, 2, "the choice into a new world",
            "{P} crosses a line, follows {prop} out of the safe world and runs into {A}.",
            "{X} wants {Y} to step aside and hand over {prop}.",
            "{Y} blocks the way and names the price of going on.",
            "{X} pays the price and goes on alone.", "PA"),
    BeatKit("B Story", 0.27, 2, "a relationship that carries the theme",
            "{S} offers {P} help, and a different way to see {obj}.",
            "{X} wants {Y} to hand over {prop}.",
            "{Y} won't, unless {X} admits what {X} is afraid of.",
            "{X} admits it; {Y} hands over {prop}, and something shifts between them.", "PS"),
    BeatKit("Fun and Games", 0.39, 2, "the promise of the premise",
            "{P} chases {prop} through {place} and gets closer to {obj} than anyone expected.",
            "{X} wants {Y} to trade what {Y} knows about {prop}.",
            "{Y} lies, and {X} catches the lie.",
            "{X} gets the truth about {prop}, and a new enemy.", "PS"),
    BeatKit("Midpoint", 0.5, 2, "a false victory; the stakes rise",
            "{prop_cap} shows {P} that {obj} is not what it seemed; the stakes double.",
            "{X} wants {Y} to admit what {prop} proves.",
            "{Y} turns it around: {prop} points at {X}.",
            "{X} wins the argument, and loses everything else.", "PS"),
    BeatKit("Bad Guys Close In", 0.59, 2, "the opposition regroups",
            "Behind {P}'s back, {A} leans on {S} to give up what {P} knows about {prop}.",
            "{X} wants {Y} to hand over {prop}.",
            "{Y} refuses to betray {P}, for now.",
            "{Y} gives up {prop} to stay safe.", "AS"),
    BeatKit("All Is Lost", 0.68, 2, "the worst moment",
            "{A} takes {prop} from {P} in {place}; the one way to {goal} is gone.",
            "{X} wants to get {prop} back from {Y}.",
            "{Y} destroys {prop} in front of {X} and dares {X} to stop it.",
            "{X} is left with nothing but the truth about {obj}.", "PA"),
    BeatKit("Dark Night of the Soul", 0.73, 2, "the hero faces the loss",
            "Alone with {S} in {place}, {P} faces the fear that drove everything.",
            "{X} wants {Y} to say {prop} was never worth it.",
            "{Y} won't let {X} quit, and says the hard thing about {prop}.",
            "{X} sees what {prop} meant all along.", "PS"),
    BeatKit("Break into Three", 0.77, 3, "the new plan",
            "{P} finds the answer hidden in {prop} and makes a new plan with {S}.",
            "{X} wants {Y} to risk everything on {prop}.",
            "{Y} doubts the plan and says no twice before saying yes.",
            "They choose the plan, and the hour.", "PS"),
    BeatKit("Finale", 0.88, 3, "the confrontation",
            "{P} confronts {A} in {place} with {prop} and must finally {goal}.",
            "{X} wants {Y} to confess, here, with {prop} on the table.",
            "{Y} fights back with the one secret {X} never told.",
            "{X} finishes it, and pays the price.", "PAS"),
    BeatKit("Final Image", 1.0, 3, "the world after: the mirror of the opening",
            "In {place} again, {P} is changed; {prop} is all that is left of {obj}.",
            "{X} wants {Y} to stay, and to keep {prop}.",
            "{Y} can't stay, not after {prop}.",
            "{X} lets {Y} go and keeps {prop}.", "PS"),
)
#: the one beat of a single-scene story
TURN = BeatKit("The Turn", 0.5, 1, "setup, pressure and a choice in one scene",
               "In {place}, {P} confronts {A} over {prop} and must decide whether to {goal}.",
               "{X} wants {Y} to hand over {prop} and the truth about {obj}.",
               "{Y} refuses and threatens what {X} loves most.",
               "{X} makes the choice: {goal_short}, whatever it costs.", "PA")
#: each beat as the plot tells it (the bible's beat summaries)
BEAT_SUMMARIES: dict[str, str] = {
    "Opening Image": "{P}'s ordinary world, just before {obj} breaks into it.",
    "Theme Stated": "Someone tells {P} what the story is about: {theme}.",
    "Set-Up": "{P}'s life, people and flaw; what {P} wants and who stands in the way.",
    "Catalyst": "{obj_cap} drags {P} out of the ordinary world.",
    "Debate": "{P} hesitates: is it worth the risk to {goal}?",
    "Break into Two": "{P} chooses to {goal} and steps into a world {A} controls.",
    "B Story": "{S} becomes the relationship that teaches {P} the theme.",
    "Fun and Games": "{P} goes after {obj} and the premise pays off.",
    "Midpoint": "A false victory: {P} learns {obj} is bigger than it seemed.",
    "Bad Guys Close In": "{A} closes in; {P}'s allies start to waver.",
    "All Is Lost": "{A} wins a round; {P} loses the one way to {goal}.",
    "Dark Night of the Soul": "{P} faces the fear behind everything.",
    "Break into Three": "{P} finds a new way, with {S}'s help.",
    "Finale": "{P} confronts {A} and must finally {goal}.",
    "Final Image": "{P}'s world after: the mirror of the opening, changed.",
    "The Turn": "{P} confronts {A} over {obj} and decides whether to {goal}.",
}
#: which beats are kept first when there are fewer scenes than beats
BEAT_PRIORITY: tuple[str, ...] = (
    "Catalyst", "Finale", "Midpoint", "All Is Lost", "Opening Image", "Fun and Games",
    "Break into Three", "Bad Guys Close In", "Break into Two", "Debate",
    "Dark Night of the Soul", "B Story", "Set-Up", "Theme Stated", "Final Image")
ACT_NAMES: dict[int, tuple[str, ...]] = {
    1: ("The Story",),
    2: ("Setup", "Resolution"),
    3: ("Setup", "Confrontation", "Resolution"),
    5: ("Exposition", "Rising Action", "Climax", "Falling Action", "Resolution"),
}
#: share of the scenes each act gets
ACT_WEIGHTS: dict[int, tuple[float, ...]] = {
    1: (1.0,), 2: (0.5, 0.5), 3: (0.25, 0.5, 0.25), 5: (0.2, 0.25, 0.2, 0.15, 0.2)}
#: beat positions where each of five acts ends
FIVE_ACT_ENDS: tuple[float, ...] = (0.2, 0.45, 0.65, 0.8, 1.01)

TITLE_ADJECTIVES: tuple[str, ...] = ("Last", "Silent", "Long", "Hollow", "Burning",
                                     "Forgotten", "Quiet", "Broken", "Hidden", "Final")
TITLE_PATTERNS: tuple[str, ...] = ("The {adj} {noun}", "{noun} at {hour}", "The {adj} {noun}",
                                   "A {adj} {noun}")
#: a title for a story set in a place the log line names
PLACE_TITLE = "What the {noun} Knew"
TITLE_HOURS: tuple[str, ...] = ("Dawn", "Dusk", "Midnight", "Low Tide", "First Light")
#: log-line words that set the theme (before the genre's themes)
THEME_CUES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("amnesia", "memory", "forget", "forgets", "forgotten", "remember"),
     "who we are when memory fails"),
    (("committed", "guilt", "guilty", "confess", "confession"), "guilt and the need to know"),
    (("revenge", "avenge", "vengeance"), "the cost of revenge"),
    (("love", "falls"), "love asks us to risk the life we know"),
    (("storm", "lit", "keep", "duty"), "duty against fear"),
    (("brother", "sister", "siblings", "family", "mother", "father"),
     "family is a choice made every day"),
    (("escape", "free", "freedom", "prison"), "the price of freedom"),
    (("home", "return", "returns"), "you can't go home the same person"),
    (("secret", "secrets", "lie", "lies"), "the lies that hold a life together"),
)

# ---- scenes --------------------------------------------------------------------------------

TIMES: tuple[str, ...] = ("DAY", "NIGHT", "DUSK", "DAWN")
#: the time a beat favours
BEAT_TIMES: dict[str, str] = {"Opening Image": "DAWN", "Dark Night of the Soul": "NIGHT",
                              "Finale": "NIGHT", "Final Image": "DAWN", "All Is Lost": "DUSK"}
TIME_DETAILS: dict[str, tuple[str, ...]] = {
    "DAY": ("Flat daylight.", "Hard sunlight through dust."),
    "NIGHT": ("Only one lamp is lit.", "Darkness presses at the windows."),
    "DUSK": ("The last light goes orange.", "Long shadows stretch across the floor."),
    "DAWN": ("Grey first light.", "The light comes up cold and blue."),
}
EXTERIOR_TIME_DETAILS: dict[str, tuple[str, ...]] = {
    "DAY": ("A pale sun behind clouds.", "Wind and bright cold light."),
    "NIGHT": ("A thin moon; the rest is dark.", "Rain hisses in the dark."),
    "DUSK": ("The sky bleeds orange.", "The light is going fast."),
    "DAWN": ("Mist lifts off the ground.", "A grey dawn, birds starting up."),
}
ENTRANCES: tuple[str, ...] = ("{X} waits, very still, while {Y} comes in.",
                              "{X} is already here; {Y} stops in the doorway.",
                              "{X} turns {topic} over and over. {Y} watches.",
                              "{Y} stands at the window, back turned to {X}.")
EXTERIOR_ENTRANCES: tuple[str, ...] = ("{X} walks fast; {Y} has to hurry to keep up.",
                                       "{X} waits in the open; {Y} arrives late.",
                                       "{Y} stands apart from {X}, facing the wind.")
ALONE_ENTRANCES: tuple[str, ...] = ("{X} is alone here, and it shows.",
                                    "{X} comes in slowly and shuts the door.")
#: action beats the director puts between lines; each carries some opposition
ACTIONS: tuple[str, ...] = (
    "{Y} turns away and won't meet {X}'s eyes.",
    "{X} steps closer. {Y} doesn't move.",
    "{Y} blocks the way out.",
    "{X} grabs {Y}'s arm. {Y} shakes free.",
    "A long silence. Neither of them gives an inch.",
    "{X} sets {topic} down between them, hard.",
    "{Y} reaches for {topic}; {X} pulls it back.",
)
INTERIOR_ACTIONS: tuple[str, ...] = ("The lights flicker and steady.",
                                     "Somewhere a clock ticks, too loud.")
EXTERIOR_ACTIONS: tuple[str, ...] = ("Wind tears at their coats.",
                                     "A siren rises in the distance and fades.")
ALONE_ACTIONS: tuple[str, ...] = ("{X} stops, listening. Nothing. Not yet.",
                                  "{X} slams {topic} down and stares at it.")
TRANSITIONS: tuple[str, ...] = ("CUT TO:", "CUT TO:", "SMASH CUT TO:", "DISSOLVE TO:")

# ---- lines ---------------------------------------------------------------------------------


class Intent(NamedTuple):
    """What a line does: first sentences (cores) and second sentences (tails).

    Slots: {other} (whom the line is said to), {topic} (the scene's clue), {place} (the
    place, short), {want} (the speaker's aim, first person), {fear} ("of the sea" or "that
    I ..."), {force}."""

    cores: tuple[str, ...]
    tails: tuple[str, ...]


INTENTS: dict[str, Intent] = {
    "probe": Intent(
        ("Tell me about {topic}.", "What do you know about {topic}?",
         "Why is {topic} here, in {place}?", "You've seen {topic} before. Haven't you?",
         "Who else knows about {topic}, {other}?", "Where did you get {topic}?"),
        ("And don't lie to me.", "I need the truth, {other}.", "I'm not leaving without it.")),
    "press": Intent(
        ("Don't walk away from me, {other}.", "You knew about {topic} all along.",
         "Say it. Say what happened in {place}.", "I'm not leaving {place} without an answer.",
         "Stop lying about {topic}."),
        ("I have to {want}.", "This is the only way to {want}.", "Not this time.")),
    "reveal": Intent(
        ("You want the truth? I'm afraid {fear}.", "I came to {place} to {want}.",
         "I can't sleep. I'm afraid {fear}.", "Everything I did was to {want}.",
         "Truth is, I'm afraid {fear}.", "I remember {topic}. I shouldn't.",
         "{topic_cap} was mine, once.", "I lied to you about {topic}."),
        ("There. Now you know.", "Don't make me say it twice.", "That's all I have.")),
    "decide": Intent(
        ("Then I'll {want} without you.", "No more running. I'm going to {want}.",
         "I'm done waiting. I'll {want}.", "Give me {topic}. I'll finish this."),
        ("Tonight.", "Nobody stops me now.", "Stay or don't.")),
    "deflect": Intent(
        ("You're asking the wrong questions.", "{topic_cap}? That's not my problem.",
         "Leave {topic} alone, {other}.", "Nobody comes to {place} for answers."),
        ("Go home.", "You don't want to know.", "Some doors stay shut.")),
    "refuse": Intent(
        ("No. Not tonight.", "I won't help you with {topic}.", "You can't have {topic}.",
         "Not a chance, {other}.", "No. I won't do it."),
        ("Not while I still need to {want}.", "I've got my own reasons.",
         "I'm afraid {fear}.")),
    "threaten": Intent(
        ("Keep digging and you'll lose more than {topic}.",
         "Walk out of {place} now, while you still can.",
         "Careful, {other}. People get hurt over {topic}.",
         "Touch {topic} again and we're finished."),
        ("I won't warn you twice.", "Nobody will come looking.", "Think about it.")),
    "concede": Intent(
        ("Fine. But you didn't hear it from me.", "All right. {topic_cap} isn't what you think.",
         "You want {topic}? Take it. But don't thank me."),
        ("It was never mine anyway.", "Now leave.", "God help you.")),
    "warn": Intent(
        ("Don't trust what you find in {place}.", "If you go after {topic}, you go alone.",
         "Stop now, {other}, before {force} finds you."),
        ("I mean it.", "I've seen how this ends.")),
    "interject": Intent(
        ("Stop it, both of you.", "We don't have time for this.",
         "Can we not fight about {topic} here?", "Something's wrong with {place}. Listen."),
        ("I'm afraid {fear}.", "Please.", "I just want to {want}.")),
    "side": Intent(
        ("{other}'s right. We can't stop now.", "I'm with {other}. For now.",
         "Don't look at me. I didn't touch {topic}."),
        ("I just want to {want}.", "Don't make me regret it.")),
    "alone": Intent(
        ("Nobody left in {place} but me.", "{topic_cap}. It always comes back to {topic}.",
         "I have to {want}. No one else will.", "I won't let {force} win."),
        ("Not tonight.", "Not like this.")),
}
#: the intents each part of a scene plays, early / middle / late in the story
INTENT_PLANS: dict[str, tuple[tuple[str, ...], ...]] = {
    "pov": (("probe", "press", "reveal", "decide"), ("press", "probe", "reveal", "decide"),
            ("press", "decide", "reveal", "probe")),
    "opp": (("deflect", "refuse", "warn", "concede"), ("refuse", "threaten", "deflect", "concede"),
            ("threaten", "refuse", "concede", "warn")),
    "third": (("interject", "side", "warn"), ("side", "interject", "warn"),
              ("interject", "side", "warn")),
    "alone": (("alone", "reveal", "decide"),) * 3,
}
#: a trait word → how it colours a line's parenthetical
TRAIT_PARENTHETICALS: dict[str, str] = {
    "haunted": "barely audible", "stubborn": "flat", "warm": "gently", "calculating": "smiling",
    "anxious": "too fast", "sardonic": "dry", "ruthless": "very quiet", "proud": "chin up",
    "impatient": "cutting in", "charming": "warmly", "guarded": "careful", "tired": "sighing",
}
#: words that make a line or an action conflict
CONFLICT_WORDS: tuple[str, ...] = (
    "no", "not", "never", "won't", "can't", "cannot", "don't", "didn't", "stop", "refuse",
    "refuses", "lie", "lying", "liar", "wrong", "careful", "nobody", "without", "alone",
    "leave", "blocks", "grabs", "shoves", "slams", "pulls", "threat", "warn", "won't",
    "doesn't", "isn't", "finished", "hurt", "lose", "dare", "dares", "enough", "fight",
    "against", "destroy", "destroys", "shut", "get out", "betray",
)
