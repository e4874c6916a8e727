#!/usr/bin/env bash
# Dev-machine preparation (Debian 12, network to the Debian mirror): Debian packages for the synthesizers and the
# text corpus, the sentence corpus and the SentencePiece model. Everything lands in .train/ (git-ignored).
# .train/carry/ (≈ 38 MB) is what a device call carries: debs/{espeak,flite,festival}, train/test text, spm model.
set -euo pipefail
cd "$(dirname "$0")/../.."
T=.train
mkdir -p $T/carry/debs/{espeak,flite,festival} $T/textdebs $T/miscdebs
apt-get update >/dev/null
(cd $T/carry/debs/espeak && apt-get download espeak-ng espeak-ng-data libespeak-ng1 libpcaudio0 libsonic0 libasound2 \
  libasound2-data libpulse0 libasyncns0 libsndfile1 libdbus-1-3 libsystemd0 libx11-6 libx11-xcb1 libxcb1 libxau6 \
  libxdmcp6 libbsd0 libmd0 libwrap0 libflac12 libvorbis0a libvorbisenc2 libogg0 libopus0 libmpg123-0 libmp3lame0 \
  liblz4-1 libcap2 libgcrypt20 libgpg-error0 libzstd1 liblzma5)
(cd $T/carry/debs/flite && apt-get download flite libflite1)
(cd $T/carry/debs/festival && apt-get download festival festvox-kallpc16k festvox-us-slt-hts festvox-kdlpc16k \
  festlex-cmu festlex-poslex libestools2.5)
(cd $T/textdebs && apt-get download fortunes fortunes-min fortunes-bofh-excuses wordnet-base wamerican)
(cd $T/miscdebs && apt-get download alsa-utils)   # real human recordings for evaluation only
rm -rf $T/root $T/textroot && mkdir -p $T/root $T/textroot
for f in $T/carry/debs/*/*.deb $T/miscdebs/*.deb; do dpkg -x "$f" $T/root; done
for f in $T/textdebs/*.deb; do dpkg -x "$f" $T/textroot; done
python3 scripts/train/build_text.py --root $T/textroot --out $T/text
cp $T/text/train.txt.gz $T/text/test.txt.gz $T/carry/
# needs sentencepiece (a venv: python3 -m venv .train/venv && .train/venv/bin/pip install torch onnx onnxruntime sentencepiece scipy)
${PY:-.train/venv/bin/python} scripts/train/build_spm.py --text $T/text/spm_train.txt --out $T/carry/spm
du -sh $T/carry
