"""The people who live in the Spotify sandbox, and what they listen to.

The catalogue is written by hand so the demo has something worth reading: real
artists and albums from many places, with the awkward corners Spotify really
serves (local files, duplicate listings, two editions of one album, upper-case
``album_type``, tracks with no popularity). Everything here is plain data:
ids are derived from names with SHA-256, so they are stable between runs and
look like Spotify's 22-character base62 ids. Nothing is random.

Wire rendering (JSON shapes, URLs, development-mode omissions) lives in
``spotify.py``; this module only knows facts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import quote_plus

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def spotify_id(kind: str, key: str) -> str:
    """A stable 22-character base62 id, like Spotify's, derived from ``kind`` and ``key``."""
    number = int.from_bytes(hashlib.sha256(f"{kind}:{key}".encode()).digest()[:17], "big")
    chars = []
    for _ in range(22):
        number, digit = divmod(number, 62)
        chars.append(_BASE62[digit])
    return "".join(chars)


# --- Records ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArtistRecord:
    """An artist. ``id`` is None only for the artist of a local file."""

    id: str | None
    name: str
    genres: tuple[str, ...] = ()
    popularity: int | None = None
    followers: int | None = None


@dataclass(frozen=True, slots=True)
class AlbumRecord:
    """An album, single, EP (Spotify calls those ``single`` too) or compilation.

    ``album_type`` is kept exactly as it goes on the wire, casing included.
    ``id`` is None only for the pseudo-album of a local file.
    """

    id: str | None
    name: str
    album_type: str | None
    artists: tuple[ArtistRecord, ...]
    release_date: str | None
    total_tracks: int

    @property
    def release_date_precision(self) -> str | None:
        if self.release_date is None:
            return None
        return {4: "year", 7: "month"}.get(len(self.release_date), "day")


@dataclass(frozen=True, slots=True)
class TrackRecord:
    """A track. Local files have no id, no popularity and a ``spotify:local:`` uri."""

    id: str | None
    name: str
    artists: tuple[ArtistRecord, ...]
    album: AlbumRecord
    duration_ms: int
    popularity: int | None
    track_number: int
    disc_number: int = 1
    explicit: bool = False
    is_local: bool = False
    local_uri: str | None = None
    isrc: str | None = None

    @property
    def uri(self) -> str:
        if self.local_uri is not None:
            return self.local_uri
        return f"spotify:track:{self.id}"


@dataclass(frozen=True, slots=True)
class Listener:
    """A sandbox account someone can sign in as on the consent page.

    ``dev_mode`` makes every object rendered for this listener look like a
    Spotify development-mode app sees it since February 2026: no ``popularity``,
    ``genres`` or ``followers`` anywhere, and a thinner ``/v1/me``.
    """

    id: str
    display_name: str
    email: str
    blurb: str  # one line for the consent page
    country: str
    product: str
    artists: tuple[ArtistRecord, ...]
    tracks: tuple[TrackRecord, ...]
    followers: int = 0
    dev_mode: bool = False
    has_avatar: bool = True


# --- Builders -------------------------------------------------------------------

_ARTISTS: dict[str, ArtistRecord] = {}


def _artist(name: str, genres: str, popularity: int, followers: int) -> ArtistRecord:
    """One artist per name across every listener, so ids agree between them."""
    if name in _ARTISTS:
        raise ValueError(f"artist defined twice: {name}")
    record = ArtistRecord(
        id=spotify_id("artist", name),
        name=name,
        genres=tuple(g.strip() for g in genres.split(",") if g.strip()),
        popularity=popularity,
        followers=followers,
    )
    _ARTISTS[name] = record
    return record


def _album(
    by: ArtistRecord | tuple[ArtistRecord, ...],
    name: str,
    album_type: str,
    release_date: str,
    total_tracks: int,
    *,
    edition: str = "",
) -> AlbumRecord:
    artists = by if isinstance(by, tuple) else (by,)
    key = "|".join([*(a.name for a in artists), name, edition])
    return AlbumRecord(
        id=spotify_id("album", key),
        name=name,
        album_type=album_type,
        artists=artists,
        release_date=release_date,
        total_tracks=total_tracks,
    )


def _ms(duration: str, key: str) -> int:
    """'m:ss' (or 'h:mm:ss') to milliseconds, plus a stable sub-second part."""
    seconds = 0
    for part in duration.split(":"):
        seconds = seconds * 60 + int(part)
    return seconds * 1000 + int(hashlib.sha256(key.encode()).hexdigest()[:3], 16) % 1000


def _track(
    album: AlbumRecord,
    number: int,
    name: str,
    duration: str,
    popularity: int,
    *,
    by: tuple[ArtistRecord, ...] | None = None,
    feat: tuple[ArtistRecord, ...] = (),
    explicit: bool = False,
    disc: int = 1,
) -> TrackRecord:
    assert album.id is not None
    key = f"{album.id}|{disc}|{number}|{name}"
    track_id = spotify_id("track", key)
    year = (album.release_date or "2000")[2:4]
    digits = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 100_000
    return TrackRecord(
        id=track_id,
        name=name,
        artists=(by if by is not None else album.artists) + feat,
        album=album,
        duration_ms=_ms(duration, key),
        popularity=popularity,
        track_number=number,
        disc_number=disc,
        explicit=explicit,
        isrc=f"QZ{track_id[:3].upper()}{year}{digits:05d}",
    )


def _local_track(artist: str, album: str, name: str, duration: str) -> TrackRecord:
    """A file from the listener's own disk, as Spotify reports it in top tracks."""
    seconds = _ms(duration, name) // 1000
    uri = ":".join(
        ["spotify:local", quote_plus(artist), quote_plus(album), quote_plus(name), str(seconds)]
    )
    return TrackRecord(
        id=None,
        name=name,
        artists=(ArtistRecord(id=None, name=artist),),
        album=AlbumRecord(
            id=None, name=album, album_type=None, artists=(), release_date=None, total_tracks=0
        ),
        duration_ms=seconds * 1000,
        popularity=None,
        track_number=0,
        disc_number=0,
        is_local=True,
        local_uri=uri,
    )


# --- Artists --------------------------------------------------------------------

# Nordic
BJORK = _artist("Björk", "art pop, icelandic pop, trip hop", 66, 3_512_004)
SIGUR_ROS = _artist("Sigur Rós", "post-rock, icelandic rock, ambient", 62, 2_190_377)
ROYKSOPP = _artist("Röyksopp", "nordic electronica, downtempo", 58, 1_020_918)
SUNDFOR = _artist("Susanne Sundfør", "norwegian pop, art pop", 49, 212_450)
ARNALDS = _artist("Ólafur Arnalds", "neo-classical, icelandic classical", 63, 1_431_220)
AURORA = _artist("AURORA", "norwegian pop, art pop", 72, 3_902_118)
JONSI = _artist("Jónsi", "icelandic indie", 48, 310_502)
KINGS = _artist("Kings of Convenience", "norwegian indie, indie folk", 60, 871_336)
THE_KNIFE = _artist("The Knife", "swedish electropop, experimental", 52, 540_781)
ROBYN = _artist("Robyn", "swedish pop, dance pop", 64, 1_843_902)
HVAL = _artist("Jenny Hval", "norwegian experimental, art pop", 38, 64_210)
FEVER_RAY = _artist("Fever Ray", "swedish electropop", 51, 480_633)
GONZALEZ = _artist("José González", "swedish singer-songwriter, indie folk", 66, 1_310_045)
FIRST_AID_KIT = _artist("First Aid Kit", "swedish folk, indie folk", 61, 1_120_514)
MUM = _artist("múm", "icelandic experimental, glitch", 40, 150_288)
KIASMOS = _artist("Kiasmos", "icelandic electronica, minimal techno", 55, 520_097)
LYKKE_LI = _artist("Lykke Li", "swedish indie pop", 65, 1_900_730)
ANE_BRUN = _artist("Ane Brun", "norwegian singer-songwriter", 45, 190_116)
TORRINI = _artist("Emilíana Torrini", "icelandic pop, indie folk", 52, 380_425)
HILDUR = _artist("Hildur Guðnadóttir", "compositional ambient, soundtrack", 58, 420_871)
JOHANNSSON = _artist("Jóhann Jóhannsson", "neo-classical, soundtrack", 56, 610_299)
BIOSPHERE = _artist("Biosphere", "ambient, norwegian electronica", 37, 70_345)
TODD_TERJE = _artist("Todd Terje", "nu disco, norwegian electronica", 50, 300_912)
EFTERKLANG = _artist("Efterklang", "danish indie", 36, 90_614)
AGNES_OBEL = _artist("Agnes Obel", "danish singer-songwriter, chamber pop", 63, 1_200_556)
JOHN_GRANT = _artist("John Grant", "chamber pop, singer-songwriter", 47, 230_418)

# Brazil and the Spanish-speaking world
CAETANO = _artist("Caetano Veloso", "mpb, tropicalia", 62, 2_100_934)
GIL = _artist("Gilberto Gil", "mpb, tropicalia", 60, 1_901_228)
GAL = _artist("Gal Costa", "mpb, tropicalia", 58, 1_300_417)
MUTANTES = _artist("Os Mutantes", "tropicalia, brazilian psychedelia", 54, 620_930)
JORGE_BEN = _artist("Jorge Ben Jor", "samba soul, mpb", 63, 1_600_385)
MILTON = _artist("Milton Nascimento", "mpb, clube da esquina", 57, 990_672)
LO_BORGES = _artist("Lô Borges", "mpb, clube da esquina", 45, 300_110)
ROSALIA = _artist("Rosalía", "flamenco pop, latin pop", 80, 12_400_881)
BAD_BUNNY = _artist("Bad Bunny", "reggaeton, trap latino", 95, 82_004_316)
CHENCHO = _artist("Chencho Corleone", "reggaeton", 77, 3_120_554)
WEEKND = _artist("The Weeknd", "canadian contemporary r&b, pop", 93, 96_300_212)
LAFOURCADE = _artist("Natalia Lafourcade", "latin pop, mexican indie", 68, 3_800_420)
LAFERTE = _artist("Mon Laferte", "latin pop, chilean indie", 70, 6_200_109)
TIM_MAIA = _artist("Tim Maia", "soul brasileiro, mpb", 62, 2_400_778)
ELIS = _artist("Elis Regina", "mpb, bossa nova", 58, 1_500_291)
JOAO_GILBERTO = _artist("João Gilberto", "bossa nova", 56, 1_100_847)
JOBIM = _artist("Antônio Carlos Jobim", "bossa nova, mpb", 64, 2_200_135)
MARISA_MONTE = _artist("Marisa Monte", "mpb", 61, 2_900_664)
SEU_JORGE = _artist("Seu Jorge", "mpb, samba", 60, 1_800_203)
ANITTA = _artist("Anitta", "funk carioca, pop", 82, 21_004_517)
LINIKER = _artist("Liniker", "mpb, soul brasileiro", 59, 1_000_832)
NATHY_PELUSO = _artist("Nathy Peluso", "latin alternative, argentine pop", 66, 2_700_349)
BOMBA = _artist("Bomba Estéreo", "cumbia, latin alternative", 63, 2_100_561)
KALI_UCHIS = _artist("Kali Uchis", "latin r&b, colombian pop", 81, 10_400_287)
BVSC = _artist("Buena Vista Social Club", "son cubano, bolero", 63, 1_900_474)
MERCEDES_SOSA = _artist("Mercedes Sosa", "nueva cancion, folklore argentino", 55, 1_400_906)
CHICO = _artist("Chico Buarque", "mpb", 58, 1_700_228)
DJAVAN = _artist("Djavan", "mpb", 62, 2_300_619)
RITA_LEE = _artist("Rita Lee", "brazilian rock, mpb", 59, 1_500_744)
TUTTI_FRUTTI = _artist("Tutti Frutti", "brazilian rock", 30, 40_121)
NOVOS_BAIANOS = _artist("Novos Baianos", "tropicalia, mpb", 53, 580_332)
CEU = _artist("Céu", "nova mpb", 50, 400_517)
SILVANA = _artist("Silvana Estrada", "mexican folk, cancion", 60, 900_073)
VARIOUS = _artist("Various Artists", "", 0, 0)

# Japan
SAKAMOTO = _artist("坂本龍一", "japanese soundtrack, ambient, neo-classical", 62, 1_450_320)
YMO = _artist("Yellow Magic Orchestra", "japanese synthpop, technopop", 55, 610_208)
HOSONO = _artist("細野晴臣", "japanese singer-songwriter, city pop", 48, 300_914)
OHNUKI = _artist("大貫妙子", "city pop, japanese singer-songwriter", 52, 420_385)
TAKEUCHI = _artist("竹内まりや", "city pop, kayokyoku", 64, 1_200_617)
YAMASHITA = _artist("山下達郎", "city pop", 60, 980_144)
UTADA = _artist("宇多田ヒカル", "j-pop", 71, 3_600_522)
CORNELIUS = _artist("Cornelius", "shibuya-kei, japanese experimental", 45, 280_731)
HISAISHI = _artist("久石譲", "japanese soundtrack, anime score", 66, 2_100_409)
YANO = _artist("矢野顕子", "japanese singer-songwriter", 40, 120_336)
YOSHIMURA = _artist("吉村弘", "kankyō ongaku, ambient", 44, 160_285)
FISHMANS = _artist("Fishmans", "japanese dream pop, dub", 50, 310_679)
SHIINA = _artist("椎名林檎", "j-rock, j-pop", 64, 1_300_458)
MATSUBARA = _artist("松原みき", "city pop", 58, 400_902)
ANRI = _artist("杏里", "city pop", 52, 350_113)
FUJII_KAZE = _artist("藤井風", "j-pop", 70, 2_800_274)
PERFUME = _artist("Perfume", "j-pop, technopop", 55, 900_637)
TAKADA = _artist("高田みどり", "kankyō ongaku, minimalism", 45, 110_248)
SEATBELTS = _artist("SEATBELTS", "anime score, japanese jazz", 60, 700_190)
OHTAKI = _artist("大瀧詠一", "city pop, japanese singer-songwriter", 50, 330_507)
KIKAGAKU = _artist("Kikagaku Moyo", "japanese psychedelic rock", 40, 190_364)
HITSUJI = _artist("羊文学", "japanese indie rock, shoegaze", 58, 600_881)
BYRNE = _artist("David Byrne", "art rock, new wave", 55, 900_345)
CONG_SU = _artist("Cong Su", "soundtrack", 20, 8_112)

# Arabic, Russian, Turkish, Saharan and Ethiopian
KINO = _artist("Кино", "russian post-punk, russian rock", 64, 1_100_892)
MOLCHAT = _artist("Молчат Дома", "belarusian post-punk, darkwave", 70, 2_400_155)
AIGEL = _artist("АИГЕЛ", "tatar hip hop, electronic", 42, 90_328)
FAIRUZ = _artist("فيروز", "arabic pop, lebanese", 60, 2_300_517)
UMM_KULTHUM = _artist("Umm Kulthum", "arabic classical, tarab", 55, 1_400_663)
MASHROU_LEILA = _artist("Mashrou' Leila", "arabic indie, lebanese rock", 45, 450_208)
TINARIWEN = _artist("Tinariwen", "desert blues, tuareg guitar", 52, 560_774)
BOMBINO = _artist("Bombino", "desert blues, tuareg guitar", 45, 210_390)
ALI_FARKA = _artist("Ali Farka Touré", "malian blues, desert blues", 52, 420_561)
TOUMANI = _artist("Toumani Diabaté", "kora, malian traditional", 42, 160_809)
MULATU = _artist("Mulatu Astatke", "ethio-jazz", 55, 480_237)
ALTIN_GUN = _artist("Altın Gün", "anatolian rock, turkish psych", 58, 610_944)
BRAHEM = _artist("Anouar Brahem", "tunisian jazz, ecm", 45, 180_502)
EMEL = _artist("Emel Mathlouthi", "tunisian indie, arabic electronic", 38, 70_118)
SOUAD_MASSI = _artist("Souad Massi", "algerian folk, chaabi", 48, 260_733)
NUSRAT = _artist("Nusrat Fateh Ali Khan", "qawwali, sufi", 62, 2_900_426)
MICHAEL_BROOK = _artist("Michael Brook", "ambient, world fusion", 35, 50_931)
MOUZANAR = _artist("Khaled Mouzanar", "lebanese soundtrack", 30, 20_714)
MAALOUF = _artist("Ibrahim Maalouf", "french jazz, lebanese jazz", 50, 310_296)
HINDI_ZAHRA = _artist("Hindi Zahra", "moroccan folk, french indie", 45, 220_659)
OMAR_SOULEYMAN = _artist("Omar Souleyman", "dabke, syrian electronic", 42, 150_847)
TASSA = _artist("Dudu Tassa", "israeli rock, iraqi music", 38, 60_370)
GREENWOOD = _artist("Jonny Greenwood", "soundtrack, art rock", 52, 400_183)
TAMINO = _artist("Tamino", "belgian indie, chamber pop", 60, 800_475)


# --- Maren: Nordic art-pop; the local file and the two editions live here -------

HOMOGENIC = _album(BJORK, "Homogenic", "album", "1997-09-22", 10)
POST = _album(BJORK, "Post", "album", "1995-06-13", 11)
VESPERTINE = _album(BJORK, "Vespertine", "album", "2001-08-27", 12)
# Two editions of one album: same first artist, same name, different ids.
AGAETIS = _album(SIGUR_ROS, "Ágætis byrjun", "album", "1999-06-12", 10)
AGAETIS_DELUXE = _album(
    SIGUR_ROS, "Ágætis byrjun", "album", "2019-06-14", 29, edition="20th anniversary deluxe"
)
TAKK = _album(SIGUR_ROS, "Takk...", "album", "2005-09-12", 11)
MELODY_AM = _album(ROYKSOPP, "Melody A.M.", "album", "2001-09-03", 10)
DO_IT_AGAIN = _album((ROYKSOPP, ROBYN), "Do It Again", "single", "2014-05-26", 5)  # an EP
TEN_LOVE_SONGS = _album(SUNDFOR, "Ten Love Songs", "album", "2015-02-16", 10)
MUSIC_FOR_PEOPLE = _album(SUNDFOR, "Music for People in Trouble", "album", "2017-09-08", 10)
LIVING_ROOM_SONGS = _album(ARNALDS, "Living Room Songs", "single", "2011-12-09", 7)  # an EP
ALL_MY_DEMONS = _album(AURORA, "All My Demons Greeting Me as a Friend", "album", "2016-03-11", 12)
GO = _album(JONSI, "Go", "album", "2010-04-05", 9)
RIOT = _album(KINGS, "Riot on an Empty Street", "album", "2004-06-21", 12)
DEEP_CUTS = _album(THE_KNIFE, "Deep Cuts", "album", "2003-01-17", 16)
BODY_TALK = _album(ROBYN, "Body Talk", "album", "2010-11-19", 15)
HONEY = _album(ROBYN, "Honey", "album", "2018-10-26", 9)
BLOOD_BITCH = _album(HVAL, "Blood Bitch", "album", "2016-09-30", 10)
FEVER_RAY_LP = _album(FEVER_RAY, "Fever Ray", "album", "2009-01-12", 10)
VENEER = _album(GONZALEZ, "Veneer", "album", "2003", 11)
LIONS_ROAR = _album(FIRST_AID_KIT, "The Lion's Roar", "album", "2012-01-20", 10)
FINALLY = _album(MUM, "Finally We Are No One", "album", "2002-05", 10)
KIASMOS_LP = _album(KIASMOS, "Kiasmos", "album", "2014-10-27", 8)
WOUNDED_RHYMES = _album(LYKKE_LI, "Wounded Rhymes", "album", "2011-03-01", 10)
CHANGING_SEASONS = _album(ANE_BRUN, "Changing of the Seasons", "album", "2008-09", 12)
FISHERMANS_WOMAN = _album(TORRINI, "Fisherman's Woman", "album", "2005-01-31", 13)
CHERNOBYL = _album(HILDUR, "Chernobyl (Music from the HBO Miniseries)", "album", "2019-05-31", 13)
JOKER = _album(
    HILDUR, "Joker (Original Motion Picture Soundtrack)", "compilation", "2019-10-03", 14
)
ORPHEE = _album(JOHANNSSON, "Orphée", "album", "2016-09-16", 15)
ARRIVAL = _album(
    JOHANNSSON, "Arrival (Original Motion Picture Soundtrack)", "album", "2016-11-11", 18
)
SUBSTRATA = _album(BIOSPHERE, "Substrata", "album", "1997", 11)
ALBUM_TIME = _album(TODD_TERJE, "It's Album Time", "album", "2014-04-07", 12)
MAGIC_CHAIRS = _album(EFTERKLANG, "Magic Chairs", "album", "2010-02-22", 10)
PHILHARMONICS = _album(AGNES_OBEL, "Philharmonics", "album", "2010-10-04", 12)

MAREN = Listener(
    id="maren",
    display_name="Maren Solberg",
    email="maren.solberg@example.com",
    blurb="Oslo. Icelandic post-rock, Nordic art-pop and film scores for the long dark.",
    country="NO",
    product="premium",
    followers=41,
    artists=(
        BJORK,
        SIGUR_ROS,
        ROYKSOPP,
        KINGS,
        SUNDFOR,
        ARNALDS,
        AURORA,
        ROBYN,
        KIASMOS,
        THE_KNIFE,
        GONZALEZ,
        FEVER_RAY,
        AGNES_OBEL,
        HILDUR,
        FIRST_AID_KIT,
        JOHANNSSON,
        LYKKE_LI,
        TODD_TERJE,
        MUM,
        TORRINI,
        JONSI,
        HVAL,
        BIOSPHERE,
        EFTERKLANG,
        ANE_BRUN,
        JOHN_GRANT,
    ),
    tracks=(
        _track(AGAETIS, 2, "Svefn-g-englar", "10:04", 57),
        _track(HOMOGENIC, 2, "Jóga", "5:05", 63),
        _track(MELODY_AM, 2, "Eple", "3:40", 52),
        _track(RIOT, 2, "Misread", "3:08", 62),
        _track(POST, 2, "Hyperballad", "5:21", 61),
        _track(TAKK, 3, "Hoppípolla", "4:28", 64),
        _track(ALL_MY_DEMONS, 3, "Runaway", "4:08", 78),
        _track(TEN_LOVE_SONGS, 2, "Delirious", "4:09", 40),
        _track(AGAETIS_DELUXE, 5, "Viðrar vel til loftárása", "10:17", 48),
        _track(LIVING_ROOM_SONGS, 3, "Near Light", "3:49", 58),
        _track(BODY_TALK, 1, "Dancing On My Own", "4:41", 72),
        _track(HOMOGENIC, 4, "Bachelorette", "5:16", 55),
        _local_track("Hanne Vestby", "Kassett fra hytta", "Nordlys (kjøkkendemo)", "3:34"),
        _track(KIASMOS_LP, 3, "Looped", "6:38", 54),
        _track(DEEP_CUTS, 3, "Heartbeats", "3:51", 59),
        _track(VENEER, 2, "Heartbeats", "2:41", 70),
        _track(AGAETIS, 3, "Starálfur", "6:47", 55),
        _track(FEVER_RAY_LP, 1, "If I Had a Heart", "3:48", 65),
        _track(DO_IT_AGAIN, 2, "Do It Again", "5:09", 55),
        _track(PHILHARMONICS, 3, "Riverside", "3:49", 66),
        _track(POST, 1, "Army of Me", "3:54", 57),
        _track(CHERNOBYL, 12, "Bridge of Death", "5:41", 47),
        _track(LIONS_ROAR, 2, "Emmylou", "4:16", 62),
        _track(RIOT, 1, "Homesick", "3:13", 60),
        _track(MUSIC_FOR_PEOPLE, 9, "Mountaineers", "7:26", 33, feat=(JOHN_GRANT,)),
        _track(ORPHEE, 1, "Flight from the City", "5:10", 60),
        _track(AGAETIS_DELUXE, 4, "Ný batterí", "8:11", 43),
        _track(WOUNDED_RHYMES, 2, "I Follow Rivers", "3:48", 71),
        _track(MELODY_AM, 1, "So Easy", "4:09", 50),
        _track(HOMOGENIC, 1, "Hunter", "4:15", 54),
        _track(ALL_MY_DEMONS, 4, "Running with the Wolves", "3:13", 66),
        _track(ALBUM_TIME, 12, "Inspector Norse", "7:56", 55),
        _track(TAKK, 5, "Sæglópur", "7:39", 50),
        _track(FINALLY, 3, "Green Grass of Tunnel", "4:43", 44),
        _track(LIVING_ROOM_SONGS, 1, "Tomorrow's Song", "3:11", 49),
        _track(FISHERMANS_WOMAN, 2, "Sunny Road", "3:14", 48),
        _track(TEN_LOVE_SONGS, 4, "Fade Away", "5:17", 42),
        _track(JOKER, 13, "Call Me Joker", "4:34", 57),
        _track(RIOT, 8, "I'd Rather Dance with You", "3:29", 57),
        _track(GO, 1, "Go Do", "4:41", 52),
        _track(VESPERTINE, 5, "Pagan Poetry", "5:14", 52),
        _track(BLOOD_BITCH, 4, "Conceptual Romance", "3:57", 30),
        _track(SUBSTRATA, 1, "As the Sun Kissed the Horizon", "1:44", 36),
        _track(MELODY_AM, 5, "Poor Leno", "3:56", 47),
        _track(TAKK, 2, "Glósóli", "6:15", 49),
        _track(ARRIVAL, 8, "Heptapod B", "2:53", 45),
        _track(TEN_LOVE_SONGS, 3, "Kamikaze", "3:34", 39),
        _track(HONEY, 1, "Missing U", "4:52", 52),
        _track(MAGIC_CHAIRS, 1, "Modern Drift", "4:09", 35),
        _track(CHANGING_SEASONS, 3, "Do You Remember", "4:02", 40),
    ),
)


# --- Tomás: Tropicália and new Latin pop; the duplicate and the uneven album ------

TRANSA = _album(CAETANO, "Transa", "album", "1972-01", 7)
CAETANO_1968 = _album(CAETANO, "Caetano Veloso", "album", "1968", 12)
OS_MUTANTES = _album(MUTANTES, "Os Mutantes", "album", "1968-06", 11)
REFAZENDA = _album(GIL, "Refazenda", "album", "1975", 11)
GAL_1969 = _album(GAL, "Gal Costa", "album", "1969", 12)
AFRICA_BRASIL = _album(JORGE_BEN, "África Brasil", "album", "1976", 11)
CLUBE = _album((MILTON, LO_BORGES), "Clube da Esquina", "album", "1972-03", 21)
RACIONAL = _album(TIM_MAIA, "Tim Maia Racional, Vol. 1", "album", "1975", 9)
ELIS_TOM = _album((ELIS, JOBIM), "Elis & Tom", "album", "1974", 14)
CHEGA = _album(JOAO_GILBERTO, "Chega de Saudade", "album", "1959", 12)
MOTOMAMI = _album(ROSALIA, "MOTOMAMI", "album", "2022-03-18", 16)
EL_MAL_QUERER = _album(ROSALIA, "EL MAL QUERER", "album", "2018-11-02", 11)
DESPECHA = _album(ROSALIA, "DESPECHÁ", "single", "2022-07-28", 1)
VERANO = _album(BAD_BUNNY, "Un Verano Sin Ti", "album", "2022-05-06", 23)
DEBI = _album(BAD_BUNNY, "DeBÍ TiRAR MáS FOToS", "album", "2025-01-05", 17)
HASTA_LA_RAIZ = _album(LAFOURCADE, "Hasta la Raíz", "album", "2015-03-17", 13)
LAFERTE_VOL1 = _album(LAFERTE, "Mon Laferte, Vol. 1", "album", "2015-03-27", 13)
DJAVAN_1976 = _album(DJAVAN, "A Voz, o Violão, a Música de Djavan", "album", "1976", 12)
TROPICALIA = _album(VARIOUS, "Tropicália ou Panis et Circencis", "compilation", "1968-07", 12)
BVSC_LP = _album(BVSC, "Buena Vista Social Club", "album", "1997-09-16", 14)
CONSTRUCAO = _album(CHICO, "Construção", "album", "1971", 10)
SIN_MIEDO = _album(KALI_UCHIS, "Sin Miedo (del Amor y Otros Demonios) ∞", "album", "2020-11-18", 13)
ENVOLVER = _album(ANITTA, "Envolver", "single", "2021-11-11", 1)
LIFE_AQUATIC = _album(SEU_JORGE, "The Life Aquatic Studio Sessions", "album", "2005-11-08", 14)
COLECAO = _album(MARISA_MONTE, "Coleção", "compilation", "2016-11-25", 16)
AMANECER = _album(BOMBA, "Amanecer", "album", "2015", 11)
ACABOU_CHORARE = _album(NOVOS_BAIANOS, "Acabou Chorare", "album", "1972", 10)
FRUTO_PROIBIDO = _album((RITA_LEE, TUTTI_FRUTTI), "Fruto Proibido", "album", "1975", 9)
GRACIAS = _album(MERCEDES_SOSA, "Gracias a la Vida", "album", "1971", 12)
MARCHITA = _album(SILVANA, "Marchita", "album", "2022-01-21", 10)
CAJU = _album(LINIKER, "CAJU", "album", "2024-08-19", 14)
CEU_LP = _album(CEU, "Céu", "album", "2005", 13)
CALAMBRE = _album(NATHY_PELUSO, "CALAMBRE", "album", "2020-10-01", 12)

AGUAS = _track(ELIS_TOM, 1, "Águas de Março", "3:32", 66)

TOMAS = Listener(
    id="tomas",
    display_name="Tomás Ferreira",
    email="tomas.ferreira@example.com",
    blurb="São Paulo. Tropicália, MPB and new Latin pop; plays whole albums front to back.",
    country="BR",
    product="premium",
    followers=187,
    artists=(
        CAETANO,
        ROSALIA,
        MUTANTES,
        JORGE_BEN,
        ELIS,
        BAD_BUNNY,
        MILTON,
        JOBIM,
        GAL,
        LAFOURCADE,
        TIM_MAIA,
        GIL,
        BVSC,
        CHICO,
        KALI_UCHIS,
        JOAO_GILBERTO,
        LAFERTE,
        DJAVAN,
        LO_BORGES,
        ANITTA,
        SEU_JORGE,
        MARISA_MONTE,
        BOMBA,
        NOVOS_BAIANOS,
        RITA_LEE,
        MERCEDES_SOSA,
        SILVANA,
        LINIKER,
        CEU,
        NATHY_PELUSO,
        WEEKND,
        CHENCHO,
    ),
    tracks=(
        _track(TRANSA, 1, "You Don't Know Me", "3:49", 58),
        _track(DESPECHA, 1, "DESPECHÁ", "2:37", 78),
        AGUAS,
        _track(OS_MUTANTES, 2, "A Minha Menina", "4:42", 58),
        _track(AFRICA_BRASIL, 5, "Taj Mahal", "3:13", 55),
        _track(DEBI, 17, "DtMF", "3:57", 90, explicit=True),
        _track(TRANSA, 2, "Nine Out of Ten", "4:54", 47),
        _track(CLUBE, 1, "Tudo Que Você Podia Ser", "2:58", 52, by=(MILTON,)),
        _track(MOTOMAMI, 1, "SAOKO", "2:17", 72, explicit=True),
        _track(HASTA_LA_RAIZ, 2, "Hasta la Raíz", "3:29", 66),
        _track(RACIONAL, 2, "Que Beleza", "4:17", 51),
        _track(TRANSA, 3, "Triste Bahia", "9:41", 33),
        _track(BVSC_LP, 1, "Chan Chan", "4:16", 67),
        _track(GAL_1969, 2, "Baby", "3:33", 52),
        _track(CONSTRUCAO, 4, "Construção", "6:24", 60),
        _track(VERANO, 3, "Me Porto Bonito", "2:58", 85, feat=(CHENCHO,), explicit=True),
        AGUAS,  # Spotify really does list a track twice now and then.
        _track(TRANSA, 4, "It's a Long Way", "6:06", 39),
        _track(EL_MAL_QUERER, 1, "MALAMENTE - Cap.1: Augurio", "2:30", 68),
        _track(OS_MUTANTES, 1, "Panis et Circenses", "3:41", 54),
        _track(SIN_MIEDO, 6, "telepatía", "2:40", 83),
        _track(REFAZENDA, 1, "Refazenda", "3:22", 47),
        _track(TRANSA, 5, "Mora na Filosofia", "6:11", 26),
        _track(CHEGA, 1, "Chega de Saudade", "2:00", 55),
        _track(LAFERTE_VOL1, 3, "Tu Falta de Querer", "5:07", 66),
        _track(DJAVAN_1976, 1, "Flor de Lis", "3:45", 60),
        _track(TROPICALIA, 1, "Miserere Nobis", "3:44", 40, by=(GIL,)),
        _track(TRANSA, 6, "Neolithic Man", "4:55", 18),
        _track(MOTOMAMI, 7, "LA FAMA", "3:08", 74, feat=(WEEKND,)),
        _track(CLUBE, 3, "Cais", "3:45", 47, by=(MILTON,)),
        _track(AFRICA_BRASIL, 1, "Ponta de Lança Africano (Umbabarauma)", "3:57", 50),
        _track(ENVOLVER, 1, "Envolver", "3:13", 74, explicit=True),
        _track(LIFE_AQUATIC, 5, "Life on Mars?", "3:34", 55),
        _track(TRANSA, 7, "Nostalgia (That's What Rock 'n' Roll Is All About)", "1:17", 12),
        _track(COLECAO, 2, "Ainda Bem", "3:39", 56),
        _track(AMANECER, 2, "Soy Yo", "2:38", 66),
        _track(CAETANO_1968, 2, "Alegria, Alegria", "2:52", 55),
        _track(ACABOU_CHORARE, 3, "Preta Pretinha", "6:44", 50),
        _track(VERANO, 6, "Tití Me Preguntó", "4:03", 84, explicit=True),
        _track(FRUTO_PROIBIDO, 2, "Ovelha Negra", "4:10", 52),
        _track(TROPICALIA, 6, "Baby", "3:33", 48, by=(GAL, CAETANO)),
        _track(GRACIAS, 1, "Gracias a la Vida", "4:22", 60),
        _track(MARCHITA, 4, "Sabré Olvidar", "4:31", 55),
        _track(OS_MUTANTES, 8, "Bat Macumba", "3:11", 44),
        _track(CAJU, 1, "Caju", "4:48", 55),
        _track(ELIS_TOM, 8, "Só Tinha de Ser Com Você", "4:54", 45),
        _track(CEU_LP, 3, "Malemolência", "3:25", 45),
        _track(DEBI, 2, "BAILE INoLVIDABLE", "6:07", 86),
        _track(CALAMBRE, 4, "Sana Sana", "3:03", 62),
        _track(CLUBE, 6, "Trem Azul", "4:04", 46, by=(LO_BORGES,)),
    ),
)


# --- 由紀: city pop, YMO and film scores; upper-case album_type lives here ---------

MCML = _album(
    SAKAMOTO, "Merry Christmas Mr. Lawrence (Original Soundtrack)", "ALBUM", "1983-05-25", 19
)
BTTB = _album(SAKAMOTO, "BTTB", "album", "1998-11-24", 15)
ASYNC = _album(SAKAMOTO, "async", "album", "2017-03-29", 14)
TWELVE = _album(SAKAMOTO, "12", "album", "2023-01-17", 12)
LAST_EMPEROR = _album(
    (SAKAMOTO, BYRNE, CONG_SU), "The Last Emperor (Original Soundtrack)", "album", "1987", 17
)
SSS = _album(YMO, "Solid State Survivor", "ALBUM", "1979-09-25", 8)
YMO_1978 = _album(YMO, "Yellow Magic Orchestra", "album", "1978-11-25", 9)
HOSONO_HOUSE = _album(HOSONO, "HOSONO HOUSE", "album", "1973-05-25", 11)
SUNSHOWER = _album(OHNUKI, "SUNSHOWER", "ALBUM", "1977-07-25", 9)
VARIETY = _album(TAKEUCHI, "VARIETY", "ALBUM", "1984-04-25", 11)
REQUEST = _album(TAKEUCHI, "REQUEST", "album", "1987-08-26", 10)
FOR_YOU = _album(YAMASHITA, "FOR YOU", "album", "1982-01-21", 10)
RIDE_ON_TIME = _album(YAMASHITA, "RIDE ON TIME", "album", "1980-09-19", 8)
FIRST_LOVE = _album(UTADA, "First Love", "album", "1999-03-10", 11)
ONE_LAST_KISS = _album(UTADA, "One Last Kiss", "single", "2021-03-09", 4)  # an EP
POINT = _album(CORNELIUS, "Point", "album", "2001-10-24", 11)
SPIRITED_AWAY = _album(HISAISHI, "千と千尋の神隠し サウンドトラック", "album", "2001-07-18", 21)
KIKUJIRO = _album(HISAISHI, "菊次郎の夏 オリジナル・サウンドトラック", "album", "1999-05-26", 15)
GOHAN = _album(YANO, "ごはんができたよ", "album", "1980-10", 14)
NINE_POST_CARDS = _album(YOSHIMURA, "Music for Nine Post Cards", "album", "1982", 9)
GREEN = _album(YOSHIMURA, "GREEN", "album", "1986", 10)
KUCHU_CAMP = _album(FISHMANS, "空中キャンプ", "album", "1996-02-01", 8)
SETAGAYA = _album(FISHMANS, "宇宙 日本 世田谷", "album", "1997-07-24", 8)
MUZAI = _album(SHIINA, "無罪モラトリアム", "album", "1999-02-24", 11)
POCKET_PARK = _album(MATSUBARA, "POCKET PARK", "ALBUM", "1980-01-21", 10)
TIMELY = _album(ANRI, "Timely!!", "album", "1983-12-05", 10)
HEHN = _album(FUJII_KAZE, "HELP EVER HURT NEVER", "album", "2020-05-20", 11)
KIRARI = _album(FUJII_KAZE, "きらり", "single", "2021-05-03", 1)
GAME = _album(PERFUME, "GAME", "album", "2008-04-16", 12)
LOOKING_GLASS = _album(TAKADA, "Through the Looking Glass", "album", "1983", 4)
BEBOP = _album(
    SEATBELTS, "COWBOY BEBOP (Original Motion Picture Soundtrack)", "album", "1998-05-21", 18
)
LONG_VACATION = _album(OHTAKI, "A LONG VACATION", "ALBUM", "1981-03-21", 10)
MASANA = _album(KIKAGAKU, "Masana Temples", "album", "2018-10-05", 10)
HIKARU_TOKI = _album(HITSUJI, "光るとき", "single", "2022-01-26", 1)

YUKI = Listener(
    id="yuki",
    display_name="佐藤 由紀",
    email="yuki.sato@example.com",
    blurb="Kyoto. City pop, Yellow Magic Orchestra and film scores, mostly from vinyl.",
    country="JP",
    product="free",
    followers=9,
    artists=(
        SAKAMOTO,
        TAKEUCHI,
        YMO,
        UTADA,
        MATSUBARA,
        YAMASHITA,
        HISAISHI,
        OHNUKI,
        SEATBELTS,
        FISHMANS,
        SHIINA,
        YOSHIMURA,
        FUJII_KAZE,
        HOSONO,
        CORNELIUS,
        ANRI,
        TAKADA,
        PERFUME,
        YANO,
        OHTAKI,
        KIKAGAKU,
        HITSUJI,
        BYRNE,
    ),
    tracks=(
        _track(MCML, 1, "Merry Christmas Mr. Lawrence", "4:37", 68),
        _track(VARIETY, 1, "プラスティック・ラブ", "4:54", 70),
        _track(POCKET_PARK, 1, "真夜中のドア〜stay with me", "5:27", 72),
        _track(SSS, 3, "Rydeen", "4:25", 58),
        _track(FIRST_LOVE, 3, "First Love", "4:17", 70),
        _track(FOR_YOU, 1, "SPARKLE", "4:15", 62),
        _track(SUNSHOWER, 2, "都会", "5:20", 55),
        _track(BTTB, 9, "energy flow", "4:34", 62),
        _track(BEBOP, 1, "Tank!", "3:30", 68),
        _track(KIKUJIRO, 1, "Summer", "6:28", 64),
        _track(ONE_LAST_KISS, 1, "One Last Kiss", "4:12", 66),
        _track(KUCHU_CAMP, 5, "ナイトクルージング", "6:38", 50),
        _track(SSS, 1, "Technopolis", "4:13", 55),
        _track(MUZAI, 3, "丸の内サディスティック", "3:57", 66),
        _track(NINE_POST_CARDS, 1, "Water Copy", "5:41", 44),
        _track(KIRARI, 1, "きらり", "3:59", 70),
        _track(SPIRITED_AWAY, 1, "あの夏へ", "3:39", 66),
        _track(ASYNC, 1, "andata", "4:38", 55),
        _track(HOSONO_HOUSE, 3, "恋は桃色", "4:01", 42),
        _track(TIMELY, 4, "Remember Summer Days", "4:29", 52),
        _track(POINT, 3, "Drop", "4:51", 45),
        _track(RIDE_ON_TIME, 1, "RIDE ON TIME", "5:52", 58),
        _track(LAST_EMPEROR, 1, "Main Title Theme (The Last Emperor)", "4:46", 50),
        _track(SUNSHOWER, 6, "くすりをたくさん", "4:10", 44),
        _track(SSS, 6, "Behind the Mask", "3:35", 50),
        _track(ONE_LAST_KISS, 2, "Beautiful World (Da Capo Version)", "5:20", 56),
        _track(LOOKING_GLASS, 1, "Mr. Henri Rousseau's Dream", "7:52", 45),
        _track(HEHN, 1, "何なんw", "4:46", 62),
        _track(BTTB, 3, "aqua", "4:29", 60),
        _track(GAME, 1, "ポリリズム", "4:11", 55),
        _track(REQUEST, 5, "駅", "5:21", 56),
        _track(SETAGAYA, 2, "Walking in the Rhythm", "7:08", 48),
        _track(GREEN, 2, "Creek", "5:07", 40),
        _track(TWELVE, 2, "20220302 - sarabande", "3:27", 45),
        _track(YMO_1978, 2, "Firecracker", "4:50", 46),
        _track(GOHAN, 4, "ひとつだけ", "4:25", 40),
        _track(FIRST_LOVE, 1, "Automatic -Part II-", "4:06", 63),
        _track(LONG_VACATION, 1, "君は天然色", "4:29", 60),
        _track(MASANA, 2, "Dripping Sun", "8:01", 40),
        _track(HIKARU_TOKI, 1, "光るとき", "4:14", 58),
    ),
)


# --- Layla: a development-mode app's view (no popularity, genres, followers) ----

GRUPPA_KROVI = _album(KINO, "Группа крови", "album", "1988-01", 11)
ZVEZDA = _album(KINO, "Звезда по имени Солнце", "album", "1989", 10)
CHYORNY = _album(KINO, "Чёрный альбом", "album", "1990-12-24", 8)
ETAZHI = _album(MOLCHAT, "Этажи", "album", "2018-09-03", 10)
TATARIN = _album(AIGEL, "1190", "single", "2017-04-07", 6)  # an EP
FAIRUZ_BEST = _album(FAIRUZ, "The Very Best of Fairuz", "compilation", "2005", 18)
KIFAK_INTA = _album(FAIRUZ, "كيفك إنت", "album", "1991", 6)
ENTA_OMRI = _album(UMM_KULTHUM, "Enta Omri", "album", "1964", 1)
RAASUK = _album(MASHROU_LEILA, "Raasük", "album", "2013-11-28", 9)
AMASSAKOUL = _album(TINARIWEN, "Amassakoul", "album", "2004-01", 11)
TASSILI = _album(TINARIWEN, "Tassili", "album", "2011-08-30", 12)
NOMAD = _album(BOMBINO, "Nomad", "album", "2013-04-02", 11)
HEART_OF_MOON = _album((ALI_FARKA, TOUMANI), "In the Heart of the Moon", "album", "2005-06", 9)
ETHIOPIQUES = _album(
    MULATU,
    "Éthiopiques, Vol. 4: Ethio Jazz & Musique Instrumentale, 1969-1974",
    "compilation",
    "1998",
    16,
)
GECE = _album(ALTIN_GUN, "Gece", "album", "2019-03-01", 10)
ON = _album(ALTIN_GUN, "On", "album", "2018-02-16", 10)
CHAT_NOIR = _album(BRAHEM, "Le Pas du Chat Noir", "album", "2002-02-25", 12)
KELMTI = _album(EMEL, "Kelmti Horra", "album", "2012-01-23", 13)
RAOUI = _album(SOUAD_MASSI, "Raoui", "album", "2001", 10)
MUSTT = _album((NUSRAT, MICHAEL_BROOK), "Mustt Mustt", "album", "1990", 8)
CARAMEL = _album(
    MOUZANAR, "Caramel (Original Motion Picture Soundtrack)", "album", "2007-09-17", 20
)
DIAGNOSTIC = _album(MAALOUF, "Diagnostic", "album", "2011-03-14", 13)
HANDMADE = _album(HINDI_ZAHRA, "Handmade", "album", "2010-01-25", 12)
WENU_WENU = _album(OMAR_SOULEYMAN, "Wenu Wenu", "album", "2013-10-22", 6)
JARAK = _album((TASSA, GREENWOOD), "Jarak Qaribak", "album", "2023-06-09", 10)
HABIBI = _album(TAMINO, "Habibi", "single", "2017-06-16", 4)  # an EP

LAYLA = Listener(
    id="layla",
    display_name="Layla Haddad",
    email="layla.haddad@example.com",
    blurb="Berlin. Fairuz, Soviet post-punk and desert blues, seen through a development-mode app.",
    country="DE",
    product="premium",
    dev_mode=True,
    artists=(
        KINO,
        FAIRUZ,
        MOLCHAT,
        TINARIWEN,
        UMM_KULTHUM,
        MULATU,
        ALTIN_GUN,
        MASHROU_LEILA,
        BRAHEM,
        ALI_FARKA,
        EMEL,
        SOUAD_MASSI,
        NUSRAT,
        BOMBINO,
        MOUZANAR,
        AIGEL,
        MAALOUF,
        HINDI_ZAHRA,
        OMAR_SOULEYMAN,
        TASSA,
        TAMINO,
    ),
    tracks=(
        _track(GRUPPA_KROVI, 1, "Группа крови", "4:45", 66),
        _track(KIFAK_INTA, 1, "كيفك إنت", "10:58", 61),
        _track(ETAZHI, 3, "Судно (Борис Рыжий)", "2:24", 74),
        _track(AMASSAKOUL, 3, "Cler Achel", "4:39", 48),
        _track(ENTA_OMRI, 1, "Enta Omri", "58:34", 52),
        _track(ETHIOPIQUES, 1, "Yèkèrmo Sèw", "4:46", 55),
        _track(ZVEZDA, 2, "Звезда по имени Солнце", "3:45", 68),
        _track(GECE, 1, "Goca Dünya", "4:35", 56),
        _track(RAASUK, 3, "Lil Watan", "4:21", 40),
        _track(FAIRUZ_BEST, 4, "لبيروت", "4:26", 50),
        _track(CHAT_NOIR, 1, "Le Pas du Chat Noir", "8:34", 42),
        _track(HEART_OF_MOON, 3, "Kala", "7:22", 40),
        _track(ETAZHI, 6, "Тоска", "3:35", 62),
        _track(KELMTI, 2, "Kelmti Horra", "4:05", 35),
        _track(CHYORNY, 5, "Кукушка", "6:35", 64),
        _track(RAOUI, 1, "Raoui", "4:46", 44),
        _track(MUSTT, 1, "Mustt Mustt (Lost in His Work)", "4:45", 50),
        _track(NOMAD, 1, "Amidinine", "3:05", 42),
        _track(CARAMEL, 1, "Caramel", "2:34", 28),
        _track(ETHIOPIQUES, 5, "Tezeta", "6:48", 48),
        _track(TASSILI, 1, "Imidiwan Ma Tenam", "4:02", 45),
        _track(TATARIN, 1, "Татарин", "3:12", 40),
        _track(DIAGNOSTIC, 2, "Beirut", "7:59", 47),
        _track(ON, 4, "Kırşehir'in Gülleri", "5:11", 50),
        _track(GRUPPA_KROVI, 2, "Закрой за мной дверь, я ухожу", "4:15", 58),
        _track(HANDMADE, 5, "Beautiful Tango", "3:39", 45),
        _track(FAIRUZ_BEST, 7, "سألوني الناس", "3:48", 47),
        _track(WENU_WENU, 1, "Wenu Wenu", "7:06", 40),
        _track(JARAK, 1, "Ya Mughir al-Ghazala", "4:38", 38),
        _track(HABIBI, 1, "Habibi", "4:57", 58),
    ),
)


# --- Sam: signed up yesterday, has not played anything --------------------------

SAM = Listener(
    id="sam",
    display_name="Sam Okafor",
    email="sam.okafor@example.com",
    blurb="Manchester. A brand-new account: no listening history yet.",
    country="GB",
    product="free",
    has_avatar=False,
    artists=(),
    tracks=(),
)


LISTENERS: tuple[Listener, ...] = (MAREN, TOMAS, YUKI, LAYLA, SAM)
