"""The patterns of the sensitivity judge: figures of speech, harm to people, serious matters.

Each list is a string of regular expressions separated by white space, in which `_` stands
for a space; every pattern matches whole words only, in any case, with the endings it spells.
"""

from __future__ import annotations

import re


def _rx(patterns: str) -> re.Pattern[str]:
    """One case-insensitive whole-word alternation of the patterns in `patterns`."""
    alternatives = [p.replace("_", " ") for p in patterns.split()]
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w])", re.IGNORECASE)


# Figures of speech that borrow the words of harm, removed before harm is sought.
FIGURATIVE = _rx(
    r"""
    killer_(?:app|feature|gadget|deal|look|heels|line|smile|combo|tune|bod)s?
    kill(?:s|ed|ing)?_(?:it|off) dead_heat dead_?lines? dead_sea death_valley grateful_dead
    dead_ringers? dead_end drop-dead die[-_]hards? dying_arts? death_(?:metal|star)
    (?:declares?_|declared_|launch(?:es|ed)?_|wage[sd]?_|waging_)?wars?_on_(?!terror|drugs)\w+
    (?:price|trade|tariff|culture|bidding|console|browser|format|streaming|talent|flame)_wars?
    war_of_words battle_of_the_\w+ battle_(?:of|for)_the_(?:bands|bakers|brands|budget)
    box[-_]office_bombs? bombs?_at_the_box_office bath_bombs? photo-?bomb\w* yarn-?bomb\w*
    (?:moon|flu|booster|buzzer-beater|trick|long|mug|head)_?shots?
    shot_at_(?:the_)?(?:title|glory|fame|a_record|redemption)
    (?:wedding|fashion|photo|film|movie|video)_?shoots? shooting_stars?
    shoot(?:s|ing)?_(?:a_|the_)?(?:film|movie|video|scene|documentary|hoops)
    shoots?_(?:the_)?lights_out fires?_up fired_up
    (?:stock|stocks|market|markets|share|shares|computer|system|app|website)_crash(?:es|ed)?
    crash_course (?:take|takes|took|taken)_\w+_by_storm brainstorm\w*
    (?:cyber|ransomware|heart|panic|asthma)[-_]?attacks? murder_mystery
    crime_(?:novel|fiction|writer|drama|series|thriller)s? whodunn?its?
    victims?_of_(?:its|their|his|her)_own_success tribute_(?:band|act|album|concert|show)s?
    execut(?:es|ed|ing)?_(?:a_|the_)?(?:perfect|flawless|plan|strategy|move|trade|order|code)
    blast_(?:off|from_the_past) full_blast fighting_fit dead_(?:tired|easy|serious)
    """
)
# Sport and show business: there, beating a rival is "crushing", "slaying" or "massacring" it.
SPORT = _rx(
    r"""
    \d{1,3}-\d{1,3} derby matches? goals? touchdowns? home_runs? innings straight_sets
    hat-trick romp rivals box_office comeback bonus_point semi-finals? finals? title debut
    season_opener defence (?:cup|league) wins? 147 fringe gigs? sold-out stand-up
    """
)
# Verbs of beating a rival; present and simple past only ("killed" is never a sport word).
SPORT_METAPHOR = _rx(
    r"""
    massacre[sd]? crush(?:es|ed|ing)? thrash(?:es|ed|ing)? destroy(?:s|ed)? demolish(?:es|ed)?
    slays? bomb(?:s|ed)? shoots? fire[sd]? storm(?:s|ed)? kills rout(?:s|ed)? hammer(?:s|ed)?
    batter(?:s|ed)? blows?_out strikes? attack(?:s|ed)? sinks? smash(?:es|ed)?
    annihilate[sd]? stun(?:s|ned)? sla(?:y|ys|yed)
    """
)
# Words that name harm to people on their own.
DEATH = r"""
    dead(?:ly)? deaths? di(?:e|es|ed|ing) passe[sd]_away lives_(?:lost|were_lost)
    (?:lost|claim(?:s|ed)?|claiming)_(?:\w+_)?(?:\w+_)?(?:lives|life) lost_(?:\w+_)?battle
    succumb\w* perish\w* rest_in_peace r\.i\.p\.? bod(?:y|ies) corpses? mass_graves?
    (?:human_)?remains_(?:found|of|identified) funerals? obituar(?:y|ies) tributes? mourn\w*
    grie(?:f|ve|ves|ving|ved) bereave\w* widow(?:s|ed|er)? vigils? memorial inquests? coroner
    suicid\w* overdos\w* fatal\w* lethal critical_condition life-threatening lost_at_sea
    """
VIOLENCE = r"""
    kill(?:s|ed|ing|ings|er|ers)? murder\w* manslaughter homicid\w*
    (?:fem|infant|parr|matr|fratr)icide
    massacre[sd]? slaughter\w* sla(?:y|ys|yed|ying|in) assassinat\w* stab(?:s|bed|bing|bings)?
    knife(?:man|point)? machete shoot(?:s|ing|ings|er|ers)? shot gun\w* snipers? open(?:s|ed)?_fire
    fired_(?:on|at) live_rounds tear_gas bomb(?:s|ed|ing|ings|er|ers)? bombard\w* blasts?
    explo(?:sion|sions|sive|sives|des|ded) grenades?
    (?:air|drone|missile|rocket)_?(?:strikes?|raids?) missiles? artillery shell(?:ed|ing)
    ambush\w* arson\w* set_fire assault\w* attack(?:s|ed|er|ers|ing)?
    beat(?:en|ing|ings) violen\w* riot\w* rampage\w* mow(?:s|ed)_down mauled strangl\w*
    suffocat\w* behead\w* lynch\w* hanged poison\w* hit-and-run drive-by hostages? captiv\w*
    kidnap\w* abduct\w* sieges? tortur\w* execut(?:es|ed|ing|ion|ions) atrocit\w* genocid\w*
    ethnic_cleansing holocaust pogroms? terror\w* hate_crimes? stalk(?:er|ers|ing|ed)
    rob(?:bed|bery|beries|ber|bers) mugg(?:ed|ing|er|ers) carjack\w* shark_(?:bites?|attacks?)
    bit(?:es|ten)_by bites?_(?:surfer|swimmer|child|boy|girl|man|woman)s?
    hit_by_(?:a_)?(?:car|train|lorry|bus|van|vehicle|falling|tram|truck|motorbike)
    (?:drones?|rockets?|jets|warships?|tanks|shells)_(?:hit|hits|strike|strikes|pound|target)\w*
    """
WAR = r"""
    wars? warfare war_crimes? warlords? invasion invad\w* troops militant\w* insurgen\w* jihad\w*
    fighters (?:heavy|fierce)_fighting fighting_(?:in|near|around|continues|erupts) coup
    civilians? frontlines? front_line battlefields? killed_in_action martyr\w*
    (?:retak|recaptur|seiz|captur)\w*_(?:the_)?(?:village|town|city|territory|ground|region)s?
    counter-?offensive
    """
ABUSE = r"""
    abus\w* rap(?:e|ed|es|ist|ists) sexual\w* sextortion molest\w* paedophil\w* pedophil\w*
    groom(?:ed|ing) traffick\w* cruelty ill-treat\w* neglect(?:ed)? starv\w* unfed
    malnourish\w* coercive_control controlling_behaviour slavery indecent_images
    """
DISASTER = r"""
    earthquakes? quakes? tsunamis? landslides? mudslides? avalanches? famine capsiz\w* derail\w*
    drown\w* stampedes? crowd_crush trap(?:s|ped) plung(?:e|es|ed)_into swept_away rubble wreckage
    (?:plane|air|car|bus|train|helicopter|coach|jet|aircraft|road|motorway|lorry|boat|ferry|motorbike|motorcycle)_crash\w*
    injur\w* wound(?:s|ed|ing) casualt\w* victims? survivors? refugees? flee(?:s|ing)? fled
    displac\w* (?:death|casualty)_?toll
    missing_(?:girl|boy|child|children|teenager|woman|man|mother|father|hiker|hikers|climber|climbers|student|schoolgirl|toddler|pupils?)s?
    ebola marburg cholera plague mpox dengue
    """
STRONG = _rx(DEATH + VIOLENCE + WAR + ABUSE + DISASTER)
# Words that may or may not mean harm: tragic together with another sign, else serious.
WEAK = _rx(
    r"""
    crash(?:es|ed)? collaps\w* fires? blaze flood\w* wildfires? hurricanes? typhoons? cyclones?
    tornado\w* storm(?:s|ed)? heatwave erupt\w* volcan\w* outbreaks? epidemic pandemic missing
    feared soldiers? army rebels? militia\w* raids? clash\w* strikes? hurt destroy\w*
    torch(?:es|ed) evacuat\w* rescu\w* sinks? sank aftermath anniversary (?:years|decades)_on
    remember\w* collision jailed sentenced battles? offensive hamas hezbollah isis al-qaeda
    taliban boko_haram houthis? debris disappear\w* search(?:es|ing)?_for hospitalised
    (?:man|woman|girl|boy|child|baby|teenager|pensioner)s?_found arrest(?:ed|s)?_after drones?
    (?:retak|recaptur)\w*
    """
)
# A number of people harmed, or people "aboard", "trapped", "missing", "feared".
COUNT = re.compile(
    r"\b(?:\d[\d,]*|dozens|scores|hundreds|thousands|millions|two|three|four|five|six|seven|"
    r"eight|nine|ten|twelve|twenty)\s+(?:more\s+)?(?:people\s+|passengers\s+|children\s+)?"
    r"(?:dead|killed|injured|hurt|missing|wounded|feared|trapped|aboard|miners|passengers|"
    r"victims|casualties|civilians|bodies|lives|villagers|pupils)\b"
    r"|\bat least \d+",
    re.IGNORECASE,
)
# A victim of fraud or a hack has lost money or data: serious, not tragic.
FINANCIAL_VICTIM = _rx(
    r"""
    (?:scam|fraud|hack|hacking|breach|cyber|crypto|phishing|identity_theft)_victims?
    victims?_(?:of|lose|lost)_(?:a_|an_)?(?:scam|fraud|hack|breach|£|\$|€)\w*
    """
)
SERIOUS = _rx(
    r"""
    econom\w* inflation interest_rates? rates recession prices price_(?:cap|rise|hike|war)s?
    cost_of_living tax\w* tariffs? sanctions? debt deficits? banks? fine[sd] courts? judges?
    rul(?:es|ed|ing)_(?:on|that|against|in_favour) lawsuits? su(?:e|es|ed|ing) indict\w*
    charge[sd] convicted guilty plead\w* fraud\w* brib\w* laundering scams? arrest\w* police
    prisons? inmates? jail\w* strikes? walk(?:s|ed)?_out pay_(?:deal|offer|rise|dispute) unions?
    layoffs? jobs? unemploy\w* shutdown elect\w* vot(?:e|es|ed|ing) parliament\w* senate
    congress mps? ministers? president\w* government\w* council laws? bill bans? regulat\w*
    antitrust crackdown protest\w* rall(?:y|ies) activists? petition resign\w* ousted
    scandal\w* inquiry investigat\w* nhs hospitals? ambulances? waiting_(?:list|times)
    patients? cancer diagnos\w* vaccin\w* virus covid flu mental_health climate emissions
    fossil_fuels? pollution sewage drought warnings? warn\w* alerts? advisory outage breach\w*
    hack\w* ransomware cyber\w* data recall\w* safety crisis shortages? liquidat\w*
    bankrupt\w* stranded delay\w* disruption crumbling mortgages? rents? housing
    housebuilding landlords? homeless\w* migra\w* immigra\w* borders? asylum nuclear uranium
    military warplanes martial_law ceasefire truce talks summit treaty diplomat\w* imf opec
    federal_reserve stocks? shares markets plung\w* slump\w* oil energy fuel petrol devalu\w*
    halts? grounds?_flights racis\w* gambling abortion student_(?:loan|debt)s? medicaid welfare
    benefits pensions? inspections? deportation\w* brexit heart_attacks? culture_wars?
    (?:price|trade|tariff)_wars? wars?_on_\w+
    """
)
