# Give the C++ standard flag to the module's C++ objects only, so that
# nginx's own warnings (-Werror) still apply to them unchanged.
#
# "private": GNU make passes a target-specific variable on to the
# prerequisites built for that target. Every addon object depends on the
# other addons' dependencies (njs's build/libnjs.a, which runs njs's own C
# configure with $(CFLAGS)), so a plain "CFLAGS += -std=c++17" reached C
# compilers outside this module and stopped nginx builds that add njs in
# the same configure. A private variable stays on its own target
# (GNU make >= 3.82; nginx's Makefile needs GNU make anyway).

for extranet_src in $EXTRANET_NGINX_SRCS $EXTRANET_CORE_SRCS; do
    extranet_obj="addon/`basename \`dirname $extranet_src\``"
    extranet_obj="$NGX_OBJS/$extranet_obj/`basename $extranet_src .cpp`.$ngx_objext"
    echo "$extranet_obj: private CFLAGS += -std=c++17 -fno-strict-aliasing" >> $NGX_MAKEFILE
done
