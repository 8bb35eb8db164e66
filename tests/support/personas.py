"""The people in our tests, as sandbox Spotify listeners.

``ALICE`` is the owner in a test and ``BOB`` someone else; both have rich data.
"""

ALICE = "maren"  # Maren Solberg: post-rock, art-pop, film scores; a local file, two editions
BOB = "tomas"  # Tomás Ferreira: MPB; a duplicate track, compilations, varied popularity
CJK = "yuki"  # 佐藤 由紀: Japanese names, upper-case ALBUM types
DEV_MODE = "layla"  # Layla Haddad: development mode, no popularity/genres/followers
NO_HISTORY = "sam"  # Sam Okafor: a brand-new account with no listening history
