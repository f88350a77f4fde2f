"""Line drawings of the demo library's exercises, drawn here (Pillow) when the demo is seeded.

They are ours: drawn for this project from the joint positions below, free to use with it. Each is a stick figure
in the exercise's position, on a floor line, with alt text saying what it shows. A clinic replaces them with its
own photographs in the admin (Exercises → pictures)."""

import functools
import io

from PIL import Image, ImageDraw

SIZE = (400, 300)
FLOOR = 250
INK, PAPER, ACCENT = "#0f5c63", "#ffffff", "#9cc9c4"

# slug -> (alt text, joints). Joints: head, neck, hip; each leg as knee and foot; each arm as elbow and hand.
POSES: dict[str, tuple[str, dict]] = {
    "walking": (
        "Standing upright mid-stride, arms swinging",
        {
            "head": (200, 60),
            "neck": (200, 85),
            "hip": (200, 160),
            "legs": [((215, 205), (235, 250)), ((185, 205), (170, 250))],
            "arms": [((215, 118), (228, 150)), ((185, 118), (172, 150))],
        },
    ),
    "knee-to-chest": (
        "Lying on the back, hugging one knee towards the chest, the other leg straight",
        {
            "head": (80, 222),
            "neck": (102, 230),
            "hip": (220, 235),
            "legs": [((175, 178), (222, 200)), ((280, 238), (340, 240))],
            "arms": [((140, 205), (172, 186))],
        },
    ),
    "figure-four-stretch": (
        "Lying on the back, one ankle resting on the other bent knee",
        {
            "head": (80, 222),
            "neck": (102, 230),
            "hip": (220, 235),
            "legs": [((250, 178), (290, 240)), ((265, 200), (240, 172))],
            "arms": [((150, 236), (195, 238))],
        },
    ),
    "childs-pose": (
        "Kneeling and folded forward, sitting back on the heels, arms reaching ahead",
        {
            "head": (118, 228),
            "neck": (140, 222),
            "hip": (232, 205),
            "legs": [((200, 246), (262, 248))],
            "arms": [((100, 240), (60, 246))],
        },
    ),
    "seated-piriformis-stretch": (
        "Sitting on a chair, one ankle on the other knee, leaning forward",
        {
            "head": (238, 98),
            "neck": (228, 122),
            "hip": (200, 192),
            "legs": [((255, 192), (255, 250)), ((262, 176), (214, 184))],
            "arms": [((250, 160), (262, 178))],
            "chair": True,
        },
    ),
    "pelvic-tilts": (
        "Lying on the back with both knees bent and feet flat, arms by the sides",
        {
            "head": (80, 222),
            "neck": (102, 230),
            "hip": (220, 235),
            "legs": [((268, 186), (310, 242))],
            "arms": [((150, 238), (198, 240))],
        },
    ),
    "hamstring-stretch": (
        "Lying on the back with one leg raised straight up, the other flat",
        {
            "head": (80, 222),
            "neck": (102, 230),
            "hip": (220, 235),
            "legs": [((245, 178), (268, 118)), ((280, 238), (340, 240))],
            "arms": [((180, 190), (250, 160))],
        },
    ),
    "hip-flexor-stretch": (
        "Half-kneeling, back knee on the floor, front foot flat, body upright",
        {
            "head": (200, 84),
            "neck": (200, 108),
            "hip": (200, 190),
            "legs": [((252, 190), (252, 248)), ((172, 246), (120, 248))],
            "arms": [((212, 150), (225, 182))],
        },
    ),
    "swimming": (
        "Floating face down, arms reaching forward, legs kicking",
        {
            "head": (92, 150),
            "neck": (112, 153),
            "hip": (232, 160),
            "legs": [((290, 163), (342, 152)), ((288, 158), (340, 170))],
            "arms": [((75, 140), (38, 134))],
            "water": True,
        },
    ),
    "bridge": (
        "Lying on the back with knees bent and the hips lifted off the floor",
        {
            "head": (80, 226),
            "neck": (104, 232),
            "hip": (212, 182),
            "legs": [((266, 166), (292, 242))],
            "arms": [((150, 238), (196, 240))],
        },
    ),
    "bird-dog": (
        "On hands and knees, one arm reaching forward and the opposite leg reaching back",
        {
            "head": (102, 168),
            "neck": (130, 185),
            "hip": (240, 185),
            "legs": [((240, 246), (292, 246)), ((298, 181), (358, 176))],
            "arms": [((130, 216), (130, 246)), ((88, 180), (48, 176))],
        },
    ),
    "side-lying-rest-position": (
        "Lying on one side with the knees bent and a pillow between them",
        {
            "head": (80, 214),
            "neck": (102, 222),
            "hip": (218, 228),
            "legs": [((268, 200), (236, 242))],
            "arms": [((120, 205), (150, 192))],
            "pillow": True,
        },
    ),
}


def alt_text(slug: str) -> str:
    return f"Line drawing: {POSES[slug][0].lower()}."


@functools.cache  # the same pose draws the same picture: once per process
def draw(slug: str) -> bytes:
    """The exercise's drawing as a PNG."""
    _alt, joints = POSES[slug]
    image = Image.new("RGB", SIZE, PAPER)
    pen = ImageDraw.Draw(image)
    pen.line([(20, FLOOR), (380, FLOOR)], fill=ACCENT, width=4)
    if joints.get("water"):
        pen.line([(20, 130), (380, 130)], fill=ACCENT, width=3)
    if joints.get("chair"):
        pen.line([(160, 196), (215, 196)], fill=ACCENT, width=8)
        pen.line([(168, 196), (168, FLOOR)], fill=ACCENT, width=6)
    if joints.get("pillow"):
        pen.ellipse([(238, 212), (262, 236)], fill=ACCENT)
    line = {"fill": INK, "width": 7, "joint": "curve"}
    pen.line([joints["neck"], joints["hip"]], **line)
    for knee, foot in joints["legs"]:
        pen.line([joints["hip"], knee, foot], **line)
    for elbow, hand in joints["arms"]:
        pen.line([joints["neck"], elbow, hand], **line)
    x, y = joints["head"]
    pen.ellipse([(x - 17, y - 17), (x + 17, y + 17)], outline=INK, width=6, fill=PAPER)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
