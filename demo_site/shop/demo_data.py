"""The Fairway Golf demo content. Slugs are part of the documented demo contract."""

from decimal import Decimal as D

PRODUCTS = [
    dict(
        slug="beginner-set",
        name="Fairway Starter 10-piece Set",
        level="beginner",
        price=D("349.00"),
        sale_price=D("299.00"),
        colour="#4c9a5b",
        featured=True,
        position=1,
        summary="Everything you need for your first season, in a lightweight stand bag.",
        description="Forgiving cavity-back irons, an oversized 460cc driver and a face-balanced "
        "putter. Chosen by our PGA pros for golfers who are just starting out.",
        features="Driver, 5-wood, hybrid, 6-9 irons, wedge, putter\nStand bag with rain hood\n"
        "Graphite shafts in the woods",
    ),
    dict(
        slug="intermediate-set",
        name="Fairway Progress 12-piece Set",
        level="intermediate",
        price=D("649.00"),
        colour="#2f6b3a",
        featured=True,
        position=2,
        summary="More control and feel for golfers breaking 100 and aiming for 90.",
        description="Game-improvement irons with a thinner top line, an adjustable driver and two "
        "wedges to sharpen your short game.",
        features="Adjustable 10.5° driver, 3-wood, 4-hybrid, 5-PW irons, 52° and 56° wedges\n"
        "Cart bag with 14-way divider\nFitted for your height at no cost",
    ),
    dict(
        slug="tour-set",
        name="Fairway Tour Forged Set",
        level="advanced",
        price=D("1299.00"),
        colour="#1d3b2a",
        featured=True,
        position=3,
        summary="Forged blades and tour wedges for low handicappers.",
        description="Soft forged irons with precision grooves, tuned by tour players for "
        "workability and feedback.",
        features="4-PW forged irons\nTour wedges 50°, 54°, 58°\nCustom shaft options",
    ),
    dict(
        slug="fairway-driver",
        name="Fairway Launch Driver",
        level="intermediate",
        kind="Driver",
        price=D("279.00"),
        sale_price=D("229.00"),
        colour="#3d6f8e",
        position=4,
        summary="A forgiving, adjustable driver for longer, straighter tee shots.",
        description="460cc titanium head with adjustable loft from 9° to 12°.",
        features="Adjustable hosel\nLow-spin head\nPremium grip",
    ),
    dict(
        slug="mallet-putter",
        name="Fairway Mallet Putter",
        level="beginner",
        kind="Putter",
        price=D("89.00"),
        colour="#8e6c3d",
        position=5,
        summary="A stable mallet putter that keeps your stroke on line.",
        description="High-MOI mallet with alignment lines and a soft insert.",
        features="High MOI\nAlignment lines\nSoft milled insert",
    ),
    dict(
        slug="junior-set",
        name="Fairway Junior Set (ages 8-11)",
        level="beginner",
        price=D("159.00"),
        sale_price=D("129.00"),
        colour="#c2883a",
        position=6,
        summary="A proper set for young golfers, sized for ages 8 to 11.",
        description="Lightweight clubs that grow with your junior's game.",
        features="Driver, hybrid, 7-iron, 9-iron, wedge, putter\nStand bag",
    ),
]

ARTICLES = [
    dict(
        slug="dream-courses",
        title="Ten courses to play before you're 50",
        topic="travel",
        colour="#2e7d6b",
        position=1,
        teaser="From the links of Fife to the cliffs of Kauri, the rounds of a lifetime.",
        body="Golf takes you to the most beautiful places on earth.\n\nHere are ten courses our "
        "staff dream about, from St Andrews' Old Course to Cabot Cliffs.",
    ),
    dict(
        slug="first-round",
        title="Your first round: what nobody tells you",
        topic="beginner",
        colour="#5a8f3c",
        position=2,
        teaser="Pace of play, etiquette and how to enjoy it even when the ball won't behave.",
        body="Your first round is about fun, not score.\n\nPick a quiet tee time, play from the "
        "forward tees and pick up when you reach double par.",
    ),
    dict(
        slug="weekend-golf-trips",
        title="Weekend golf trips within two hours of London",
        topic="travel",
        colour="#3a6e8f",
        position=3,
        teaser="Heathland, links and parkland courses for a perfect golf weekend.",
        body="Walton Heath, Rye and Woburn are all within a short drive.\n\nBook midweek for "
        "the best green fees.",
    ),
    dict(
        slug="practice-at-home",
        title="Five drills to practise at home",
        topic="technique",
        colour="#7a5c3a",
        position=4,
        teaser="Improve your putting and your tempo without leaving the house.",
        body="A carpet, a mug and ten minutes a day are all you need.\n\nStart with the gate "
        "drill for your putting stroke.",
    ),
]

SEGMENTS = [
    dict(
        slug="golfers",
        name="Golfers",
        category="behavioral",
        match="any",
        description="Visitors who viewed any golf page.",
        rules=[
            ("PageVisitRule", dict(path_operator="starts_with", path="/clubs/")),
            ("PageVisitRule", dict(path_operator="starts_with", path="/inspiration/")),
            ("PageVisitRule", dict(path_operator="starts_with", path="/guide/")),
            ("PageVisitRule", dict(path_operator="starts_with", path="/compare/")),
        ],
    ),
    dict(
        slug="beginner-golfers",
        name="Beginner golfers",
        category="behavioral",
        match="any",
        description="Viewed or bought the beginner set (its pages include the thank-you page "
        "after buying), or downloaded the beginner's guide.",
        rules=[
            ("PageVisitRule", dict(path_operator="starts_with", path="/clubs/beginner-set/")),
            (
                "EventRule",
                dict(event="ebook_download", aggregate="count", operator="gte", value=D(1)),
            ),
        ],
    ),
    dict(
        slug="newsletter-readers",
        name="Newsletter readers",
        category="acquisition",
        description="Arrived from one of our e-mails.",
        rules=[("UTMRule", dict(parameter="utm_medium", operator="equals", value="email"))],
    ),
    dict(
        slug="mobile-visitors",
        name="Mobile visitors",
        category="technographic",
        description="Browsing on a phone.",
        rules=[("DeviceRule", dict(device_types=["mobile"]))],
    ),
    dict(
        slug="uk-visitors",
        name="UK visitors",
        category="geographic",
        description="Visiting from the United Kingdom.",
        rules=[("LocationRule", dict(countries="GB"))],
    ),
    dict(
        slug="returning-customers",
        name="Returning customers",
        category="behavioral",
        description="Made at least one purchase.",
        rules=[
            ("EventRule", dict(event="purchase", aggregate="count", operator="gte", value=D(1)))
        ],
    ),
    dict(
        slug="big-spenders",
        name="Big spenders",
        category="behavioral",
        description="Average order value of £500 or more.",
        rules=[
            ("EventRule", dict(event="purchase", aggregate="avg", operator="gte", value=D(500)))
        ],
    ),
]

# Intents: the starter intents of ``python manage.py personalize_starter_intents``
# (personalize/services/starter.py), which ``loaddemo`` installs.

HERO = "shop/variants/hero.html"
PROMO = "shop/variants/promo.html"

SLOTS = [
    dict(
        key="home-hero",
        name="Home page hero",
        description="The big banner on the home page.",
        variants=[
            dict(
                slug="reassurance-hero",
                name="Reassurance: free returns",
                priority=40,
                intent="decided-with-concerns",
                template_name=HERO,
                title="Play them for 60 days. Love them or send them back free.",
                body="<p>Every club set comes with free delivery and free 60-day returns, so "
                "the only risk is falling in love with golf.</p>",
                cta_label="How free returns work",
                cta_url="/help/returns/",
            ),
            dict(
                slug="deal-hero",
                name="Deal hunter",
                priority=30,
                intent="deal-seeking",
                template_name=HERO,
                title="This week's best prices on club sets",
                body="<p>Price-matched against the big retailers, with up to <strong>£50 off"
                "</strong> the sets our customers love.</p>",
                cta_label="See today's deals",
                cta_url="/deals/",
            ),
            dict(
                slug="intermediate-upsell",
                name="Beginner to intermediate",
                priority=20,
                segment="beginner-golfers",
                template_name=HERO,
                title="Outgrowing your beginner set?",
                body="<p>Golfers like you move up to a set with more control after their "
                "first season. Our intermediate sets are fitted for free.</p>",
                cta_label="Browse intermediate clubs",
                cta_url="/clubs/?level=intermediate",
            ),
            dict(
                slug="inspiration-hero",
                name="Inspiration",
                priority=10,
                intent="inspiration",
                template_name=HERO,
                title="Where will golf take you this year?",
                body="<p>Dream courses, weekend trips and stories from the fairway.</p>",
                cta_label="Get inspired",
                cta_url="/inspiration/",
            ),
            dict(
                slug="default",
                name="Default: golf course",
                priority=0,
                template_name=HERO,
                title="Find the clubs that fit your game",
                body="<p>From first swing to single figures: club sets chosen by PGA "
                "professionals.</p>",
                cta_label="Browse golf club sets",
                cta_url="/clubs/",
            ),
        ],
    ),
    dict(
        key="home-promo",
        name="Home page promotion",
        description="The strip under the hero.",
        variants=[
            dict(
                slug="newsletter-welcome",
                name="Welcome, newsletter reader",
                priority=30,
                segment="newsletter-readers",
                template_name=PROMO,
                title="Welcome back, newsletter reader!",
                body="<p>Use code <strong>FAIRWAY10</strong> for 10% off your order today.</p>",
                cta_label="Shop clubs",
                cta_url="/clubs/",
            ),
            dict(
                slug="app-promo",
                name="Get the app",
                priority=20,
                segment="mobile-visitors",
                template_name=PROMO,
                title="Take Fairway Golf to the course",
                body="<p>Our free app tracks your rounds and finds the right club for every "
                "shot.</p>",
                cta_label="Learn about the app",
                cta_url="/inspiration/",
            ),
            dict(
                slug="uk-delivery",
                name="UK delivery",
                priority=10,
                segment="uk-visitors",
                template_name=PROMO,
                title="Free next-day delivery anywhere in the UK",
                body="<p>Order by 8pm for delivery tomorrow, from Cornwall to the Shetlands.</p>",
                cta_label="Delivery details",
                cta_url="/help/shipping/",
            ),
            dict(
                slug="default",
                name="Default promotion",
                priority=0,
                template_name=PROMO,
                title="Members' prices on every club set this month",
                body="<p>Save up to £50 on sets for every level.</p>",
                cta_label="See the deals",
                cta_url="/deals/",
            ),
        ],
    ),
]

TOPICS = [
    dict(path="/clubs/", operator="starts_with", topics="golf, equipment"),
    dict(path="/inspiration/", operator="starts_with", topics="golf, travel"),
    dict(path="/deals/", operator="starts_with", topics="deals"),
]
