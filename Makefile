# make install [PREFIX=/usr/local] [DESTDIR=...]: a release build of netcalc (its Swift standard library
# linked in statically where the platform has one, as Linux does; stripped), its man page and its bash, zsh and
# fish completions, each copied where its program looks. make uninstall removes exactly those files.

PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift
INSTALL ?= install

BINDIR = $(DESTDIR)$(PREFIX)/bin
MANDIR = $(DESTDIR)$(PREFIX)/share/man/man1
BASHDIR = $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHDIR = $(DESTDIR)$(PREFIX)/share/zsh/site-functions
FISHDIR = $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
BUILT = .build/release/netcalc

.PHONY: all build install uninstall

all: build

# --static-swift-stdlib is for Linux (macOS has the Swift runtime in the system); where it fails, the
# build is tried again without it, saying so.
build:
	@if $(SWIFT) build -c release --product netcalc --static-swift-stdlib; then :; else \
	  echo "make: no static Swift standard library here; building netcalc linked to the shared one"; \
	  $(SWIFT) build -c release --product netcalc; \
	fi

install: build
	$(INSTALL) -d '$(BINDIR)' '$(MANDIR)' '$(BASHDIR)' '$(ZSHDIR)' '$(FISHDIR)'
	$(INSTALL) -m 755 -s $(BUILT) '$(BINDIR)/netcalc'
	$(BUILT) man > .build/netcalc.1
	$(INSTALL) -m 644 .build/netcalc.1 '$(MANDIR)/netcalc.1'
	$(BUILT) completions bash > .build/netcalc.bash
	$(INSTALL) -m 644 .build/netcalc.bash '$(BASHDIR)/netcalc'
	$(BUILT) completions zsh > .build/_netcalc
	$(INSTALL) -m 644 .build/_netcalc '$(ZSHDIR)/_netcalc'
	$(BUILT) completions fish > .build/netcalc.fish
	$(INSTALL) -m 644 .build/netcalc.fish '$(FISHDIR)/netcalc.fish'

uninstall:
	rm -f '$(BINDIR)/netcalc' '$(MANDIR)/netcalc.1' '$(BASHDIR)/netcalc' '$(ZSHDIR)/_netcalc' '$(FISHDIR)/netcalc.fish'
